from billing.models import Invoice
from billing.services.errors import BillingError


def issue_invoice(customer, lines) -> Invoice:
    if not lines:
        raise BillingError(f"an invoice for customer {customer.pk} needs at least one line")
    return Invoice.objects.create(customer=customer, total=sum(line.amount for line in lines))


def void_invoice(invoice: Invoice) -> Invoice:
    if invoice.paid:
        raise BillingError(f"invoice {invoice.pk} is paid and cannot be voided")
    invoice.voided = True
    invoice.save(update_fields=["voided"])
    return invoice
