# expect: none
# fixed shape for r10_22: the header is saved inside the same block as its lines
from django.db import transaction

from purchasing.models import PurchaseOrder, PurchaseOrderLine


def create_purchase_order(supplier, requested_by, lines):
    order = PurchaseOrder(supplier=supplier, requested_by=requested_by, state="draft")
    with transaction.atomic():
        order.save()
        for line in lines:
            PurchaseOrderLine.objects.create(order=order, sku=line["sku"], quantity=line["quantity"], unit_price=line["unit_price"])
    return order
