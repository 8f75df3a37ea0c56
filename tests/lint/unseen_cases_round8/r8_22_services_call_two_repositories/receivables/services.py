# expect: forgotten-transaction
# pattern: the service marks the invoice paid and books the receipt through two
#          repositories in another module, each write committing on its own; a failed
#          journal insert leaves a paid invoice that the books do not show
from receivables.repositories import InvoiceRepository, JournalRepository


class PaymentReconciler:
    def __init__(self, invoices=None, journal=None):
        self.invoices = invoices or InvoiceRepository()
        self.journal = journal or JournalRepository()

    def apply_payment(self, invoice_id, amount, paid_at):
        invoice = self.invoices.get(invoice_id)
        self.invoices.mark_paid(invoice, paid_at)  # expect-line
        self.journal.record_receipt(invoice, amount)
        return invoice
