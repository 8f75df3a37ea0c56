# expect: none
# fixed shape for g09: refund returns the invoice and raises on failure, as the other
#          interactors of the package do
from billing.models import Invoice


class RefundTooLarge(Exception):
    pass


def refund_invoice(invoice_id, amount):
    invoice = Invoice.objects.get(pk=invoice_id)
    if amount > invoice.amount:
        raise RefundTooLarge(invoice_id)
    invoice.refund(amount)
    return invoice
