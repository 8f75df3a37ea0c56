# expect: none
# The helper takes the next value of a counter row under a row lock, so two orders
# placed at once wait for each other and get different references.
from django.db import transaction

from orders.helpers import next_order_reference
from orders.models import Order


@transaction.atomic
def place_order(customer, lines):
    order = Order.objects.create(customer=customer, reference=next_order_reference())
    for line in lines:
        order.lines.create(product_id=line["product"], quantity=line["quantity"])
    return order
