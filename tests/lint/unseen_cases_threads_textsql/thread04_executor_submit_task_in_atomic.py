# expect: side-effect-in-transaction
# pattern: a Django view submits the invoice e-mail to a module-level thread pool inside
#          atomic(); the pool thread sends it before the invoice row is committed
from concurrent.futures import ThreadPoolExecutor

from django.core.mail import send_mail
from django.db import transaction

from billing.models import Invoice

MAIL_POOL = ThreadPoolExecutor(max_workers=4)


def email_invoice(invoice_id: int, address: str) -> None:
    send_mail("Your invoice", f"Invoice {invoice_id}", None, [address])


def issue_invoice(request, customer):
    with transaction.atomic():
        invoice = Invoice.objects.create(customer=customer, total=request.POST["total"])
        MAIL_POOL.submit(email_invoice, invoice.pk, customer.email)  # via-indirection
    return invoice
