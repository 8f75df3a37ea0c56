# expect: none
# pattern: savepoints that operation code opens in run() and in a helper given
#          ctx.session; flush(); a helper given ctx.session that only reads;
#          a nested def that commits a session of its own after the operation's commit
from shop.generated import PlaceOrderBase
from shop.models import Order
from shop.stock import count_reservations, reserve


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx, *, sku, quantity):
        order = Order(sku=sku, quantity=quantity)
        ctx.session.add(order)
        ctx.session.flush()
        with ctx.session.begin_nested():
            order.note = "reserved"
        reserve(ctx.session, order)
        count_reservations(ctx, ctx.session)

        def audit():
            with ctx.runtime.session_factory() as session:
                session.add(Order(sku=sku, quantity=0))
                session.commit()

        ctx.after_commit(audit)
        return {"order_id": order.id}
