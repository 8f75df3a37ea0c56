# expect: none
from sqlalchemy.exc import IntegrityError

from shop.generated import RedeemCouponBase
from shop.models import Customer, Redemption


class RedeemCoupon(RedeemCouponBase):
    def run(self, ctx, *, code, customer_id):
        session = ctx.session
        customer = session.get(Customer, customer_id)
        customer.last_coupon = code
        try:
            with session.begin_nested():
                session.add(Redemption(code=code, customer_id=customer_id))
        except IntegrityError:
            pass  # already redeemed: the savepoint's rollback undid only the insert
