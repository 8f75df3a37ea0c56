# expect: none
# fixed shape for r10_29: a PostgreSQL advisory lock keyed on the year serialises the
#          numbering until the transaction ends
from django.db import connection, transaction
from django.db.models import Max

from billing.models import Invoice

INVOICE_NUMBER_LOCK = 4242  # advisory lock class reserved for invoice numbering


def issue_invoice(customer, amount, year):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [INVOICE_NUMBER_LOCK, year])
        last_number = Invoice.objects.filter(year=year).aggregate(Max("number"))["number__max"] or 0
        return Invoice.objects.create(customer=customer, amount=amount, year=year, number=last_number + 1)
