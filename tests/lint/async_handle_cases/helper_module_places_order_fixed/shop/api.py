# expect: none
# pattern: the helper runs in a worker thread through anyio
import anyio
from fastapi import FastAPI

from shop.checkout import checkout

app = FastAPI()


@app.post("/carts/{cart_id}/checkout")
async def checkout_cart(cart_id: int, ctx=None, carts=None):
    cart = await carts.load(cart_id)
    order = await anyio.to_thread.run_sync(checkout, ctx, cart)
    return {"order_id": order.order_id}
