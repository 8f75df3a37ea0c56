# expect: side-effect-in-transaction
# pattern: on_commit() is given the result of .delay(...) instead of a callable. The task
#          is sent on the spot, inside the block, and on_commit receives an AsyncResult
from django.db import transaction

from invoicing.models import Invoice
from invoicing.tasks import render_invoice_pdf


def issue_invoice(order):
    with transaction.atomic():
        invoice = Invoice.objects.create(order=order, total=order.total, currency=order.currency)
        order.invoiced = True
        order.save(update_fields=["invoiced"])
        transaction.on_commit(render_invoice_pdf.delay(invoice.pk))  # expect-line
    return invoice
