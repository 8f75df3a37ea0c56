# expect: missing-lock
# pattern: run() reads the order with a query on the locked input, then credits the
#          customer it reaches through the order's relationship. The lazy load takes no
#          lock, and the spec's lock covers the order only
from sqlalchemy import select

from billing.generated.refund_order import RefundOrderBase
from billing.models import Order


class RefundOrder(RefundOrderBase):
    def run(self, ctx, *, order_id):
        order = ctx.session.execute(select(Order).where(Order.id == order_id)).scalar_one()
        if order.status != "paid":
            return {"status": order.status}
        order.status = "refunded"
        order.customer.credit += order.paid  # expect-line
        return {"status": order.status}
