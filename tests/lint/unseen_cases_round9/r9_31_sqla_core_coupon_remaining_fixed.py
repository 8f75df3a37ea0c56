# expect: none
# fixed shape for r9_31: the coupon row is locked from the SELECT until COMMIT
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from promo.tables import coupons, redemptions


class CouponExhausted(Exception):
    pass


def redeem_coupon(engine: Engine, code: str, customer_id: int) -> None:
    with engine.begin() as conn:
        remaining = conn.execute(
            select(coupons.c.remaining).where(coupons.c.code == code).with_for_update()
        ).scalar_one()
        if remaining <= 0:
            raise CouponExhausted(f"coupon {code} has no redemptions left")
        conn.execute(update(coupons).where(coupons.c.code == code).values(remaining=remaining - 1))
        conn.execute(insert(redemptions).values(code=code, customer_id=customer_id))
