# expect: none
from shop.counters import bump_orders_today, bump_sku_total
from shop.generated import PlaceOrderBase
from shop.models import Order, Reservation


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx, *, sku, quantity):
        order = Order(sku=sku, quantity=quantity)
        ctx.session.add(order)
        ctx.session.flush()
        self._reserve(ctx.session, order)
        connection = ctx.session.connection()
        bump_orders_today(connection)
        bump_sku_total(connection, sku, quantity)
        return {"order_id": order.id}

    def _reserve(self, session, order):
        session.add(Reservation(order_id=order.id, sku=order.sku, quantity=order.quantity))
