# expect: none
# fixed shape for r8_22: the service runs both repository writes in one transaction
from django.db import transaction

from receivables.repositories import InvoiceRepository, JournalRepository


class PaymentReconciler:
    def __init__(self, invoices=None, journal=None):
        self.invoices = invoices or InvoiceRepository()
        self.journal = journal or JournalRepository()

    def apply_payment(self, invoice_id, amount, paid_at):
        with transaction.atomic():
            invoice = self.invoices.get(invoice_id)
            self.invoices.mark_paid(invoice, paid_at)
            self.journal.record_receipt(invoice, amount)
        return invoice
