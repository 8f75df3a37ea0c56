# expect: non-uniform-interface
# pattern: an interactors package with one module for each use case; issue and void
#          return the invoice, refund returns an envelope dictionary, so the convention
#          differs only across modules
from billing.models import Invoice


def refund_invoice(invoice_id, amount):  # expect-line
    invoice = Invoice.objects.get(pk=invoice_id)
    if amount > invoice.amount:
        return {"ok": False, "error": "refund exceeds the invoice"}
    invoice.refund(amount)
    return {"ok": True, "invoice": invoice}
