# expect: none
from shop.generated import PlaceOrderBase
from shop.models import Order
from shop.stock import reserve


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx, *, sku, quantity):
        order = Order(sku=sku, quantity=quantity)
        ctx.session.add(order)
        ctx.session.flush()
        reserve(ctx.session, sku, quantity, order.id)
        return {"order_id": order.id}
