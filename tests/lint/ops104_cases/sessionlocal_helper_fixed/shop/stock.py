from shop.models import Reservation


def reserve(session, sku, quantity, order_id):
    session.add(Reservation(order_id=order_id, sku=sku, quantity=quantity))
