# expect: none
# pattern: every write goes through ctx.session, a savepoint or a nested operation. The
#          helper that commits its own session runs only after the operation's commit.
#          The other operation declares no transaction, so its commit escapes nothing.
from functools import partial

from shop.database import SessionLocal
from shop.generated import PlaceOrderBase, RebuildTotalsBase
from shop.models import Order, Reservation
from shop.registry import ops
from shop.stock import release_later, reserved_quantity


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx, *, sku, quantity):
        if reserved_quantity(sku) > 1000:
            raise ValueError("too much stock reserved")
        order = Order(sku=sku, quantity=quantity)
        session = ctx.session
        session.add(order)
        session.flush()
        with ctx.session.begin_nested():
            ctx.session.add(Reservation(order_id=order.id, sku=sku, quantity=quantity))
        ops.shop.notify_warehouse(ctx, order_id=order.id)
        ctx.after_commit(partial(release_later, order.id))

        def tidy():
            with SessionLocal() as own:
                own.query(Reservation).filter_by(quantity=0).delete()
                own.commit()

        ctx.after_commit(tidy)
        return {"order_id": order.id}


class RebuildTotals(RebuildTotalsBase):
    def run(self, ctx, *, sku):
        with SessionLocal() as session:
            session.query(Reservation).filter_by(sku=sku, quantity=0).delete()
            session.commit()
