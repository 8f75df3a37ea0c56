# expect: forgotten-transaction
# pattern: the stock book writes through the application's scoped_session, a
#          thread-local session apart from the operation's, and commits it
from shop.generated import PlaceOrderBase
from shop.models import Order
from shop.stock import StockBook


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx, *, sku, quantity):
        order = Order(sku=sku, quantity=quantity)
        ctx.session.add(order)
        ctx.session.flush()
        book = StockBook()
        book.hold(sku, quantity, order.id)  # via-indirection
        return {"order_id": order.id}
