from receivables.models import Invoice, JournalEntry


class InvoiceRepository:
    def get(self, invoice_id):
        return Invoice.objects.get(pk=invoice_id)

    def mark_paid(self, invoice, paid_at):
        invoice.status = Invoice.PAID
        invoice.paid_at = paid_at
        invoice.save(update_fields=["status", "paid_at"])


class JournalRepository:
    def record_receipt(self, invoice, amount):
        JournalEntry.objects.bulk_create(
            [
                JournalEntry(invoice=invoice, account="receivable", amount=-amount),
                JournalEntry(invoice=invoice, account="cash", amount=amount),
            ]
        )
