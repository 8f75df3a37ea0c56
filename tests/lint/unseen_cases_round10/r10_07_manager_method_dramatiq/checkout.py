from django.db import transaction

from .models import Invoice


def complete_checkout(order):
    with transaction.atomic():
        order.state = "paid"
        order.save(update_fields=["state"])
        Invoice.objects.issue_for(order)  # via-indirection
        order.cart.delete()
