# expect: none
# fixed shape for r10_07: the message is sent after the outermost COMMIT
from functools import partial

from django.db import models, transaction

from .actors import render_invoice_pdf


class InvoiceManager(models.Manager):
    def issue_for(self, order):
        invoice = self.create(order=order, amount=order.total, state="issued")
        transaction.on_commit(partial(render_invoice_pdf.send, invoice.pk))
        return invoice


class Invoice(models.Model):
    order = models.OneToOneField("shop.Order", on_delete=models.PROTECT)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    state = models.CharField(max_length=16)

    objects = InvoiceManager()
