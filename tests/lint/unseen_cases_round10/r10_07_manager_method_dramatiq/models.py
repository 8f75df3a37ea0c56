# expect: side-effect-in-transaction
# pattern: a custom Manager method creates the invoice and sends a dramatiq message. The
#          checkout calls it inside atomic(), so the worker may not find the invoice yet.
from django.db import models

from .actors import render_invoice_pdf


class InvoiceManager(models.Manager):
    def issue_for(self, order):
        invoice = self.create(order=order, amount=order.total, state="issued")
        render_invoice_pdf.send(invoice.pk)  # expect-line
        return invoice


class Invoice(models.Model):
    order = models.OneToOneField("shop.Order", on_delete=models.PROTECT)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    state = models.CharField(max_length=16)

    objects = InvoiceManager()
