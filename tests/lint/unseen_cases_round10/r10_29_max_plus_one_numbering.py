# expect: missing-lock
# pattern: the next invoice number is MAX(number) + 1, read without a lock, so two
#          invoices issued at the same moment get the same number
from django.db import transaction
from django.db.models import Max

from billing.models import Invoice


def issue_invoice(customer, amount, year):
    with transaction.atomic():
        last_number = Invoice.objects.filter(year=year).aggregate(Max("number"))["number__max"] or 0  # expect-line
        return Invoice.objects.create(customer=customer, amount=amount, year=year, number=last_number + 1)
