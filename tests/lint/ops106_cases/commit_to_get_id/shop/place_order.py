# expect: forgotten-transaction
# pattern: run() was ported from a view and kept the view's commit, meant to get the
#          order's id; under the runtime ctx.session.commit() raises
#          TransactionOwnedError and the order is never placed
from shop.generated import PlaceOrderBase
from shop.models import Order


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx, *, sku, quantity):
        order = Order(sku=sku, quantity=quantity)
        ctx.session.add(order)
        ctx.session.commit()  # expect-line
        return {"order_id": order.id}
