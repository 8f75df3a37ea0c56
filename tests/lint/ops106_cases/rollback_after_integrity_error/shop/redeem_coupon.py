# expect: forgotten-transaction
# pattern: an insert that may hit a unique constraint is undone with rollback(); that
#          rolls back the operation's whole transaction, the customer's update before
#          it included, and the call fails with transaction_rolled_back
from sqlalchemy.exc import IntegrityError

from shop.generated import RedeemCouponBase
from shop.models import Customer, Redemption


class RedeemCoupon(RedeemCouponBase):
    def run(self, ctx, *, code, customer_id):
        session = ctx.session
        customer = session.get(Customer, customer_id)
        customer.last_coupon = code
        try:
            session.add(Redemption(code=code, customer_id=customer_id))
            session.flush()
        except IntegrityError:
            session.rollback()  # expect-line
