# expect: side-effect-in-transaction
# pattern: run() calls a helper that books the ledger line, and that helper calls a second
#          one that captures the card payment at Stripe; the capture cannot be undone if
#          the transaction rolls back after it
import stripe

from billing.generated.settle_invoice import SettleInvoiceBase
from billing.models import Invoice, LedgerLine


class SettleInvoice(SettleInvoiceBase):
    def run(self, ctx, *, invoice_id):
        invoice = ctx.session.get(Invoice, invoice_id)
        if invoice.state != "open":
            return {"state": invoice.state}
        self._settle(ctx, invoice)
        return {"state": invoice.state}

    def _settle(self, ctx, invoice):
        ctx.session.add(LedgerLine(invoice_id=invoice.id, amount=invoice.total))
        invoice.state = "paid"
        self._capture(ctx, invoice)

    def _capture(self, ctx, invoice):
        stripe.PaymentIntent.capture(invoice.payment_intent, idempotency_key=f"invoice-{invoice.id}")  # expect-line
