# expect: side-effect-in-transaction
# pattern: FastAPI handler with a session dependency named db: the webhook goes out
#          between add() and commit()
import httpx
from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from shop.db import get_db
from shop.models import Order

router = APIRouter()


@router.post("/orders")
def create_order(customer_id: int, database: Session = Depends(get_db)):
    order = Order(customer_id=customer_id)
    database.add(order)
    database.flush()
    httpx.post("https://hooks.example.invalid/orders", json={"id": order.id})  # expect-line
    database.commit()
    return {"id": order.id}
