# expect: missing-lock
# A helper reads the highest reference without a lock and returns it plus one. Two
# orders placed at once get the same reference.
from django.db import transaction

from orders.helpers import next_order_reference
from orders.models import Order


@transaction.atomic
def place_order(customer, lines):
    order = Order.objects.create(customer=customer, reference=next_order_reference())  # expect-line
    for line in lines:
        order.lines.create(product_id=line["product"], quantity=line["quantity"])
    return order
