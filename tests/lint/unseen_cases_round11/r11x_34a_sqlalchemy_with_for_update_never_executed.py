# expect: missing-lock
# pattern: the locking select is built on a line of its own and never executed, so the
#          session.get() below reads the order without FOR UPDATE, and two workers that
#          both see it unshipped each book a shipment for it.
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.models import Order, Shipment


class AlreadyShipped(Exception):
    pass


def book_shipment(session: Session, order_id: int, carrier: str) -> None:
    with session.begin():
        select(Order).where(Order.id == order_id).with_for_update()
        order = session.get(Order, order_id)  # expect-line
        if order.shipment_count > 0:
            raise AlreadyShipped(order_id)
        session.add(Shipment(order_id=order_id, carrier=carrier))
