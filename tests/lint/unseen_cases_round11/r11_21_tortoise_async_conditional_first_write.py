# expect: forgotten-transaction
# pattern: Tortoise ORM runs each query in autocommit outside in_transaction(). The
#          coupon use is written before the order, so a failing order insert leaves a
#          coupon marked as used by a customer who has no order.
from decimal import Decimal

from shop.models import Coupon, CouponUse, Order


class CheckoutService:
    def __init__(self, currency: str):
        self.currency = currency

    async def place(self, cart, coupon_code: str | None = None) -> Order:
        discount = Decimal("0")
        if coupon_code:
            coupon = await Coupon.get(code=coupon_code, active=True)
            await CouponUse.create(coupon=coupon, customer_id=cart.customer_id)  # expect-line
            discount = coupon.amount
        return await Order.create(
            customer_id=cart.customer_id,
            currency=self.currency,
            total=max(cart.total - discount, Decimal("0")),
        )
