# expect: none
# pattern: the customer row is loaded with SELECT ... FOR UPDATE, so settling two orders
#          of one customer at once waits for the first to commit
from opsgen.runtime.execution import ExecutionContext

from billing.generated.settle_order import SettleOrderBase
from billing.models import Customer, Order


class SettleOrder(SettleOrderBase):
    def run(self, ctx: ExecutionContext, *, order_id, amount):
        order = ctx.session.get(Order, order_id)
        order.paid += amount
        customer = ctx.session.get(Customer, order.customer_id, with_for_update=True)
        customer.open_balance -= amount
        if order.paid >= order.total:
            order.status = "paid"
        return {"status": order.status}
