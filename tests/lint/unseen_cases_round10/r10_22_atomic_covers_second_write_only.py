# expect: forgotten-transaction
# pattern: atomic() wraps only the order lines. The order header is saved before the
#          block in autocommit, so a failing line leaves an empty purchase order behind.
from django.db import transaction

from purchasing.models import PurchaseOrder, PurchaseOrderLine


def create_purchase_order(supplier, requested_by, lines):
    order = PurchaseOrder(supplier=supplier, requested_by=requested_by, state="draft")
    order.save()  # expect-line
    with transaction.atomic():
        for line in lines:
            PurchaseOrderLine.objects.create(order=order, sku=line["sku"], quantity=line["quantity"], unit_price=line["unit_price"])
    return order
