# expect: none
# fixed shape for r9_08: on_commit gets a callable that sends the task after COMMIT
from functools import partial

from django.db import transaction

from invoicing.models import Invoice
from invoicing.tasks import render_invoice_pdf


def issue_invoice(order):
    with transaction.atomic():
        invoice = Invoice.objects.create(order=order, total=order.total, currency=order.currency)
        order.invoiced = True
        order.save(update_fields=["invoiced"])
        transaction.on_commit(partial(render_invoice_pdf.delay, invoice.pk))
    return invoice
