# expect: none
from shop.generated import PlaceOrderBase
from shop.models import Order


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx, *, sku, quantity):
        order = Order(sku=sku, quantity=quantity)
        ctx.session.add(order)
        ctx.session.flush()
        return {"order_id": order.id}
