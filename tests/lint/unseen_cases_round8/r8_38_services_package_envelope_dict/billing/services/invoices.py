from django.utils import timezone

from billing.models import Invoice
from billing.services.errors import InvoiceNotVoidable


def void_invoice(invoice: Invoice, reason: str) -> Invoice:
    updated = Invoice.objects.filter(pk=invoice.pk, status=Invoice.OPEN).update(
        status=Invoice.VOID, void_reason=reason, voided_at=timezone.now()
    )
    if not updated:
        raise InvoiceNotVoidable(invoice.pk)
    invoice.refresh_from_db()
    return invoice
