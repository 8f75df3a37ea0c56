# expect: side-effect-in-transaction
# pattern: atomic and requests.post both imported under other names; decorator with using=
from django.db.transaction import atomic as in_transaction
from requests import post as http_post

from billing.models import Invoice


class InvoiceIssuer:
    @in_transaction(using="billing")
    def issue(self, invoice: Invoice) -> Invoice:
        invoice.status = Invoice.ISSUED
        invoice.save()
        http_post(invoice.customer.webhook_url, json={"invoice": invoice.pk}, timeout=5)  # expect-line
        return invoice
