# expect: none
# fixed shape for lock03: lock the row, then check and write
from django.db import transaction
from django.shortcuts import get_object_or_404

from orders.models import Order


@transaction.atomic
def approve(request, pk):
    order = get_object_or_404(Order.objects.select_for_update(), pk=pk)
    if order.status != "pending":
        return None
    order.status = "approved"
    order.save(update_fields=["status"])
    return order
