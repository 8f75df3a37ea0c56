# expect: missing-lock
from django.db.models import Max

from orders.models import Order


def next_order_reference():
    """Return the reference the next order gets: one more than the highest so far."""
    highest = Order.objects.aggregate(top=Max("reference"))["top"] or 1000
    return highest + 1
