# expect: none
# fixed shape: the coupon use and the order are written in one in_transaction() block
from decimal import Decimal

from tortoise.transactions import in_transaction

from shop.models import Coupon, CouponUse, Order


class CheckoutService:
    def __init__(self, currency: str):
        self.currency = currency

    async def place(self, cart, coupon_code: str | None = None) -> Order:
        discount = Decimal("0")
        async with in_transaction() as connection:
            if coupon_code:
                coupon = await Coupon.get(code=coupon_code, active=True).using_db(connection)
                await CouponUse.create(coupon=coupon, customer_id=cart.customer_id, using_db=connection)
                discount = coupon.amount
            return await Order.create(
                customer_id=cart.customer_id,
                currency=self.currency,
                total=max(cart.total - discount, Decimal("0")),
                using_db=connection,
            )
