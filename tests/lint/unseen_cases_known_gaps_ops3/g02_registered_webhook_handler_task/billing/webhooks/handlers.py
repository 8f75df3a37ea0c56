# expect: side-effect-in-transaction
# pattern: webhook handlers register themselves in a dict through a decorator. The view
#          calls the registered handler inside its atomic block, and the handler for
#          "invoice.paid" enqueues the receipt task before the payment is committed, so the
#          worker may read the invoice as unpaid or find no invoice if the block rolls back
from billing.models import Invoice
from billing.tasks import send_receipt
from billing.webhooks.registry import handles


@handles("invoice.paid")
def invoice_paid(data):
    invoice = Invoice.objects.select_for_update().get(provider_id=data["id"])
    invoice.status = Invoice.PAID
    invoice.save(update_fields=["status"])
    send_receipt.delay(invoice.pk)  # expect-line


@handles("invoice.voided")
def invoice_voided(data):
    Invoice.objects.filter(provider_id=data["id"]).update(status=Invoice.VOID)
