# expect: non-uniform-interface
# pattern: the async route calls a plain helper in another module, and the helper runs
#          the operation, still in the event loop's thread
from fastapi import FastAPI

from shop.checkout import checkout

app = FastAPI()


@app.post("/carts/{cart_id}/checkout")
async def checkout_cart(cart_id: int, ctx=None, carts=None):
    cart = await carts.load(cart_id)
    order = checkout(ctx, cart)  # via-indirection
    return {"order_id": order.order_id}
