# expect: forgotten-transaction
# pattern: a stock helper opens its own session from the application's sessionmaker and
#          commits the reservation; when run() fails afterwards, the order rolls back and
#          the reservation stays
from shop.generated import PlaceOrderBase
from shop.models import Order
from shop.stock import reserve


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx, *, sku, quantity):
        order = Order(sku=sku, quantity=quantity)
        ctx.session.add(order)
        ctx.session.flush()
        reserve(sku, quantity, order.id)  # via-indirection
        return {"order_id": order.id}
