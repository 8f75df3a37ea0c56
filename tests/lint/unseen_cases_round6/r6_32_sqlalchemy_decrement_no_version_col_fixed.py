# expect: none
# fixed shape: version_id_col makes the flush an UPDATE ... WHERE version = :old; a
#          concurrent change raises StaleDataError and nothing is overwritten
from sqlalchemy import Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class ConcurrentChange(Exception):
    pass


def take(session: Session, item_id, n):
    item = session.get(Item, item_id)
    if item.quantity < n:
        raise ValueError("not enough stock")
    item.quantity -= n
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConcurrentChange(item_id) from exc
