# expect: side-effect-in-transaction
# pattern: settle() publishes to SNS after its own atomic() block, which commits when
#          settle() is called alone. The nightly task wraps the loop in
#          @transaction.atomic, so the inner block is only a savepoint and nothing is
#          committed when the publish runs
import json

import boto3
from celery import shared_task
from django.conf import settings
from django.db import transaction

from billing.models import Invoice, LedgerEntry

sns = boto3.client("sns")


def settle(invoice):
    with transaction.atomic():
        LedgerEntry.objects.create(invoice=invoice, amount=invoice.amount_due)
        Invoice.objects.filter(pk=invoice.pk).update(state=Invoice.SETTLED)
    sns.publish(  # expect-line
        TopicArn=settings.INVOICE_TOPIC_ARN,
        Message=json.dumps({"invoice": invoice.pk, "state": "settled"}),
    )


@shared_task
@transaction.atomic
def settle_due_invoices():
    for invoice in Invoice.objects.select_for_update().filter(state=Invoice.DUE):
        settle(invoice)  # via-indirection: the outer block is still open here
