# expect: none
# fixed shape: the row lock in the database serialises every process
from django.db import transaction

from billing.models import InvoiceCounter


class InvoiceNumbers:
    def next_number(self, year):
        with transaction.atomic():
            counter = InvoiceCounter.objects.select_for_update().get(year=year)
            counter.last += 1
            counter.save(update_fields=["last"])
            return counter.last
