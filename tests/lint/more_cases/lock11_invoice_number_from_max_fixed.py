# expect: none
# fixed shape for lock11: the shop row is locked first, so numbering is serialised per shop
from django.db import transaction
from django.db.models import Max

from billing.models import Invoice, Shop


def next_invoice(shop, order):
    with transaction.atomic():
        Shop.objects.select_for_update().get(pk=shop.pk)
        last = Invoice.objects.filter(shop=shop).aggregate(top=Max("number"))["top"] or 0
        return Invoice.objects.create(shop=shop, order=order, number=last + 1)
