# expect: none
# fixed shape: the order is read by the locking query itself
from sqlalchemy.orm import Session

from shop.models import Order, Shipment


class AlreadyShipped(Exception):
    pass


def book_shipment(session: Session, order_id: int, carrier: str) -> None:
    with session.begin():
        order = session.get(Order, order_id, with_for_update=True)
        if order.shipment_count > 0:
            raise AlreadyShipped(order_id)
        session.add(Shipment(order_id=order_id, carrier=carrier))
