# expect: missing-lock
# pattern: a state transition guarded by a status check in an @atomic view; two
#          approvals both pass and both send the order to fulfilment
from django.db import transaction
from django.shortcuts import get_object_or_404

from orders.models import Order


@transaction.atomic
def approve(request, pk):
    order = get_object_or_404(Order, pk=pk)  # expect-line
    if order.status != "pending":
        return None
    order.status = "approved"
    order.save(update_fields=["status"])
    return order
