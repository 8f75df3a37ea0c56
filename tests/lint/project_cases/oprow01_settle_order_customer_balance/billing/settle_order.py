# expect: missing-lock
# pattern: the spec locks the order, and run() also loads the order's customer by its
#          foreign key and lowers the customer's open balance. Two orders of one customer
#          settled at once both read the same balance, so one payment is lost
from opsgen.runtime.execution import ExecutionContext

from billing.generated.settle_order import SettleOrderBase
from billing.models import Customer, Order


class SettleOrder(SettleOrderBase):
    def run(self, ctx: ExecutionContext, *, order_id, amount):
        order = ctx.session.get(Order, order_id)
        order.paid += amount
        customer = ctx.session.get(Customer, order.customer_id)
        customer.open_balance -= amount  # expect-line
        if order.paid >= order.total:
            order.status = "paid"
        return {"status": order.status}
