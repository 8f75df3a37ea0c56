# expect: none
# fixed shape: the handler defers the webhook with on_commit
from django.db import transaction

from orders.models import Order


def place_order(customer, cart):
    with transaction.atomic():
        order = Order.objects.create(customer=customer, total=cart.total)
        for item in cart.items:
            order.lines.create(sku=item.sku, quantity=item.quantity)
    return order
