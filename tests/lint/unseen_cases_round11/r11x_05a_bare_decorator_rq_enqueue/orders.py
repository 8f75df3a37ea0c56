# checkout() calls the decorated open_order() inside db.atomic().
from .hooks import push_when_created
from .models import Order, OrderLine, db


@push_when_created
def open_order(customer_id):
    return Order.create(customer=customer_id)


def checkout(customer_id, items):
    with db.atomic():
        order = open_order(customer_id)  # via-indirection
        for sku, quantity in items:
            OrderLine.create(order=order, sku=sku, quantity=quantity)
    return order
