# expect: none
# fixed shape: SELECT ... FOR UPDATE holds the coupon row until the commit
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkout.models import Coupon


def redeem_coupon(session: Session, code: str, order_id: int) -> Coupon:
    with session.begin():
        coupon = session.scalars(
            select(Coupon).where(Coupon.code == code).with_for_update()
        ).first()
        if coupon is None or coupon.used_by_order_id is not None:
            raise LookupError(code)
        coupon.used_by_order_id = order_id
    return coupon
