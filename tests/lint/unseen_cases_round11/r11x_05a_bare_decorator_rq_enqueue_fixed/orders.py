# The decorated function opens and commits its own transaction.
from .hooks import push_when_created
from .models import Order, OrderLine, db


@push_when_created
def open_order(customer_id, items):
    with db.atomic():
        order = Order.create(customer=customer_id)
        for sku, quantity in items:
            OrderLine.create(order=order, sku=sku, quantity=quantity)
    return order


def checkout(customer_id, items):
    return open_order(customer_id, items)
