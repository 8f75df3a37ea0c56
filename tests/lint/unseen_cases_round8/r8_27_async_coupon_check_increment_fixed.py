# expect: none
# fixed shape for r8_27: the limit check and the increment are one conditional UPDATE
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from checkout.errors import CouponExhausted
from checkout.models import Coupon, Redemption


async def redeem_coupon(session: AsyncSession, code: str, order_id: int) -> Decimal:
    async with session.begin():
        result = await session.execute(
            update(Coupon)
            .where(Coupon.code == code, Coupon.redemptions < Coupon.max_redemptions)
            .values(redemptions=Coupon.redemptions + 1)
            .returning(Coupon.id, Coupon.discount)
        )
        row = result.one_or_none()
        if row is None:
            raise CouponExhausted(code)
        session.add(Redemption(coupon_id=row.id, order_id=order_id))
        discount = row.discount
    return discount
