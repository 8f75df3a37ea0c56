# expect: missing-lock
# pattern: SQLAlchemy 2.0 select() of a stock row, checked and decremented in Python;
#          two orders both see enough stock
from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.models import StockItem


def reserve(session: Session, sku, quantity):
    with session.begin():
        item = session.scalars(select(StockItem).where(StockItem.sku == sku)).one()
        if item.on_hand < quantity:
            raise ValueError(f"only {item.on_hand} of {sku} left")
        item.on_hand -= quantity  # expect-line
