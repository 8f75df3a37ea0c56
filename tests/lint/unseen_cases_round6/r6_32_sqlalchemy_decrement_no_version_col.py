# expect: missing-lock
# pattern: an ORM row loaded, checked and decremented in Python, then committed with no
#          row lock and no version column
from sqlalchemy import Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)


def take(session: Session, item_id, n):
    item = session.get(Item, item_id)  # expect-line
    if item.quantity < n:
        raise ValueError("not enough stock")
    item.quantity -= n  # expect-line
    session.commit()
