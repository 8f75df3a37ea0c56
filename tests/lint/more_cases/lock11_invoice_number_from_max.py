# expect: missing-lock
# pattern: the next invoice number is the shop's highest number plus one; two invoices
#          created at once get the same number
from django.db import transaction
from django.db.models import Max

from billing.models import Invoice


def next_invoice(shop, order):
    with transaction.atomic():
        last = Invoice.objects.filter(shop=shop).aggregate(top=Max("number"))["top"] or 0  # expect-line
        return Invoice.objects.create(shop=shop, order=order, number=last + 1)
