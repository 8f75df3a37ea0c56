# expect: none
# pattern: the credit is added by one UPDATE that reads and writes the column in the
#          database, so concurrent refunds for one customer each add their amount
from sqlalchemy import select, update

from billing.generated.refund_order import RefundOrderBase
from billing.models import Customer, Order


class RefundOrder(RefundOrderBase):
    def run(self, ctx, *, order_id):
        order = ctx.session.execute(select(Order).where(Order.id == order_id)).scalar_one()
        if order.status != "paid":
            return {"status": order.status}
        order.status = "refunded"
        ctx.session.execute(
            update(Customer).where(Customer.id == order.customer_id).values(credit=Customer.credit + order.paid)
        )
        return {"status": order.status}
