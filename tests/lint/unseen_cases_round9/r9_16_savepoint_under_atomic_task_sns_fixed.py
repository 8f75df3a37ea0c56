# expect: none
# fixed shape for r9_16: on_commit waits for the outermost block, so the publish follows
# the real COMMIT whether settle() runs alone or inside the nightly task
import json
from functools import partial

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
        transaction.on_commit(
            partial(
                sns.publish,
                TopicArn=settings.INVOICE_TOPIC_ARN,
                Message=json.dumps({"invoice": invoice.pk, "state": "settled"}),
            )
        )


@shared_task
@transaction.atomic
def settle_due_invoices():
    for invoice in Invoice.objects.select_for_update().filter(state=Invoice.DUE):
        settle(invoice)
