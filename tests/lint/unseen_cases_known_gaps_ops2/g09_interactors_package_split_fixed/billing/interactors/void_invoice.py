from billing.models import Invoice


class InvoicePaid(Exception):
    pass


def void_invoice(invoice_id):
    invoice = Invoice.objects.get(pk=invoice_id)
    if invoice.state == "paid":
        raise InvoicePaid(invoice_id)
    invoice.void()
    return invoice
