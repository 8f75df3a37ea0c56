# expect: missing-lock
# pattern: the order row is locked, but the product is reached through the foreign key,
#          which loads it with a plain SELECT. Two orders for the same product both
#          subtract from the stock they read, and one subtraction is lost.
from django.db import transaction

from shop.models import Order


def confirm_order(order_id):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state != Order.PENDING:
            return order
        product = order.product
        product.stock -= order.quantity  # expect-line
        product.save(update_fields=["stock"])
        order.state = Order.CONFIRMED
        order.save(update_fields=["state"])
    return order
