# expect: none
# pattern: the route is a plain def, which FastAPI runs in its thread pool
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
def place_order(body: PlaceOrderBody, ctx=None):
    result = ops.orders.place_order(ctx, **body.model_dump()).unwrap()
    return {"order_id": result.order_id}
