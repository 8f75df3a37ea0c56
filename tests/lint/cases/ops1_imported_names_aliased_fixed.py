# expect: none
from functools import partial

from django.db import transaction
from django.db.transaction import atomic as in_transaction
from requests import post as http_post

from billing.models import Invoice


class InvoiceIssuer:
    @in_transaction(using="billing")
    def issue(self, invoice: Invoice) -> Invoice:
        invoice.status = Invoice.ISSUED
        invoice.save()
        transaction.on_commit(
            partial(http_post, invoice.customer.webhook_url, json={"invoice": invoice.pk}, timeout=5),
            using="billing",
        )
        return invoice
