# expect: missing-lock
# pattern: each order line decrements the stock of its product through the relation
#          (line.product.stock -= n) and saves it; concurrent orders lose decrements
from django.db import transaction

from shop.models import Order


def fulfil(order_id):
    with transaction.atomic():
        order = Order.objects.get(pk=order_id)
        for line in order.lines.select_related("product"):
            line.product.stock -= line.quantity  # expect-line
            line.product.save(update_fields=["stock"])
        order.status = "fulfilled"
        order.save(update_fields=["status"])
