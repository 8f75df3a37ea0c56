# expect: none
# fixed shape for g02: the handler enqueues the receipt task when the view's atomic block
#          commits
from functools import partial

from django.db import transaction

from billing.models import Invoice
from billing.tasks import send_receipt
from billing.webhooks.registry import handles


@handles("invoice.paid")
def invoice_paid(data):
    invoice = Invoice.objects.select_for_update().get(provider_id=data["id"])
    invoice.status = Invoice.PAID
    invoice.save(update_fields=["status"])
    transaction.on_commit(partial(send_receipt.delay, invoice.pk))


@handles("invoice.voided")
def invoice_voided(data):
    Invoice.objects.filter(provider_id=data["id"]).update(status=Invoice.VOID)
