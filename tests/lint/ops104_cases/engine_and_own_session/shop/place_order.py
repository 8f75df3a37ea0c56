# expect: forgotten-transaction
# pattern: three shapes of a second transaction beside the operation's: a Session built
#          on the engine and committed by its begin() block, engine.begin(), and
#          engine.connect() followed by commit()
from sqlalchemy.orm import Session

from shop.counters import bump_orders_today, bump_sku_total
from shop.database import engine
from shop.generated import PlaceOrderBase
from shop.models import Order, Reservation


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx, *, sku, quantity):
        order = Order(sku=sku, quantity=quantity)
        ctx.session.add(order)
        ctx.session.flush()
        self._reserve(order)  # via-indirection
        bump_orders_today()  # via-indirection
        bump_sku_total(sku, quantity)  # via-indirection
        return {"order_id": order.id}

    def _reserve(self, order):
        with Session(engine) as session, session.begin():
            session.add(Reservation(order_id=order.id, sku=order.sku, quantity=order.quantity))
