from shop.database import SessionLocal
from shop.models import Reservation


def reserve(sku, quantity, order_id):
    session = SessionLocal()
    try:
        session.add(Reservation(order_id=order_id, sku=sku, quantity=quantity))
        session.commit()
    finally:
        session.close()
