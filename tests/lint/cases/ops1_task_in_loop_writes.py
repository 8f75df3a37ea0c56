# expect: forgotten-transaction
# pattern: a Celery task saves every row on its own; a failure halfway leaves half of them
from celery import shared_task

from billing.models import Invoice


@shared_task
def close_month(month):
    for invoice in Invoice.objects.filter(month=month, closed=False):
        invoice.closed = True
        invoice.save(update_fields=["closed"])  # expect-line
