# expect: missing-lock
# pattern: coupon loaded with session.scalars(select(...)).first(), checked and marked used;
#          two checkouts redeem the same single-use coupon
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkout.models import Coupon


def redeem_coupon(session: Session, code: str, order_id: int) -> Coupon:
    with session.begin():
        coupon = session.scalars(select(Coupon).where(Coupon.code == code)).first()  # expect-line
        if coupon is None or coupon.used_by_order_id is not None:
            raise LookupError(code)
        coupon.used_by_order_id = order_id
    return coupon
