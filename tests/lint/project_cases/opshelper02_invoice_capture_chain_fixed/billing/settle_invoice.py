# expect: none
# fixed shape for opshelper02: the capture is deferred until the ledger line has committed
from functools import partial

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
        ctx.after_commit(partial(stripe.PaymentIntent.capture, invoice.payment_intent, idempotency_key=f"invoice-{invoice.id}"))
