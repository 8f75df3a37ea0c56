# expect: none
# fixed shape for lock07: SELECT ... FOR UPDATE holds the row until commit
from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.models import StockItem


def reserve(session: Session, sku, quantity):
    with session.begin():
        item = session.scalars(select(StockItem).where(StockItem.sku == sku).with_for_update()).one()
        if item.on_hand < quantity:
            raise ValueError(f"only {item.on_hand} of {sku} left")
        item.on_hand -= quantity
