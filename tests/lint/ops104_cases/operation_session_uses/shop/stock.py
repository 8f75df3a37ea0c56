from sqlalchemy import func, select

from shop.database import SessionLocal, db_session
from shop.models import Reservation


def reserved_quantity(sku):
    with SessionLocal() as session:
        return session.scalar(select(func.sum(Reservation.quantity)).where(Reservation.sku == sku))


def release_later(order_id):
    db_session.query(Reservation).filter_by(order_id=order_id).delete()
    db_session.commit()
