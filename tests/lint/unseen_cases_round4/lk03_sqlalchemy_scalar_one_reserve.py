# expect: missing-lock
# pattern: a SQLAlchemy 2.0 select() loads the stock row without FOR UPDATE, checks the
#          free quantity and raises the reservation; two orders for the last unit both pass
from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.models import InventoryItem


class OutOfStock(Exception):
    pass


def reserve(session: Session, sku: str, quantity: int) -> None:
    with session.begin():
        item = session.execute(select(InventoryItem).where(InventoryItem.sku == sku)).scalar_one()
        if item.on_hand - item.reserved < quantity:
            raise OutOfStock(sku)
        item.reserved += quantity  # expect-line
