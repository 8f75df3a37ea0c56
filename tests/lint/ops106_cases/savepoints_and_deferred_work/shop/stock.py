from shop.models import Reservation


def reserve(session, order):
    with session.begin_nested():
        session.add(Reservation(order_id=order.id))


def count_reservations(ctx, session):
    ctx.logger.info("counting reservations")
    return session.query(Reservation).count()
