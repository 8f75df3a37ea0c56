# expect: non-uniform-interface
# pattern: an async FastAPI route runs the operation in the event loop's thread, so a
#          request that waits on the order lock stalls /health and every other request
from fastapi import FastAPI
from pydantic import BaseModel

from shop.generated import ops

app = FastAPI()


class PlaceOrderBody(BaseModel):
    customer_id: int
    sku: str
    quantity: int


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.post("/orders")
async def place_order(body: PlaceOrderBody, ctx=None):
    result = ops.orders.place_order(ctx, **body.model_dump()).unwrap()  # expect-line
    return {"order_id": result.order_id}
