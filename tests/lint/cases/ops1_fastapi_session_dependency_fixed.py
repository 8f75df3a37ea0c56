# expect: none
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
    order_id = order.id
    database.commit()
    httpx.post("https://hooks.example.invalid/orders", json={"id": order_id})
    return {"id": order_id}
