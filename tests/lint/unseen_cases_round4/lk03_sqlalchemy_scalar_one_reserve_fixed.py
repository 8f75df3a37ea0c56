# expect: none
# fixed shape: the row is loaded with with_for_update(), so the second order waits
from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.models import InventoryItem


class OutOfStock(Exception):
    pass


def reserve(session: Session, sku: str, quantity: int) -> None:
    with session.begin():
        statement = select(InventoryItem).where(InventoryItem.sku == sku).with_for_update()
        item = session.execute(statement).scalar_one()
        if item.on_hand - item.reserved < quantity:
            raise OutOfStock(sku)
        item.reserved += quantity
