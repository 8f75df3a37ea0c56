# expect: none
# fixed shape for thread04: the submit itself waits for the commit
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.core.mail import send_mail
from django.db import transaction

from billing.models import Invoice

MAIL_POOL = ThreadPoolExecutor(max_workers=4)


def email_invoice(invoice_id: int, address: str) -> None:
    send_mail("Your invoice", f"Invoice {invoice_id}", None, [address])


def issue_invoice(request, customer):
    with transaction.atomic():
        invoice = Invoice.objects.create(customer=customer, total=request.POST["total"])
        transaction.on_commit(partial(MAIL_POOL.submit, email_invoice, invoice.pk, customer.email))
    return invoice
