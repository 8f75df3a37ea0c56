# expect: none
from celery import shared_task

from billing.models import Invoice


@shared_task
def close_month(month):
    Invoice.objects.filter(month=month, closed=False).update(closed=True)
