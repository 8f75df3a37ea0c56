# expect: forgotten-transaction
# pattern: a repository function shared with scripts commits the session it is
#          given, one call further down; the operation hands it ctx.session
from billing.generated import CloseInvoiceBase
from billing.models import Invoice
from billing.numbers import reserve_number


class CloseInvoice(CloseInvoiceBase):
    def run(self, ctx, *, invoice_id):
        invoice = ctx.session.get(Invoice, invoice_id)
        invoice.status = "closed"
        reserve_number(session=ctx.session, invoice=invoice)  # via-indirection
