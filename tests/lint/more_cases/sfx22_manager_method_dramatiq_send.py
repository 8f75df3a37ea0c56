# expect: side-effect-in-transaction
# pattern: a custom manager method creates the invoice and sends a Dramatiq message;
#          the checkout calls it inside atomic(), so the actor can run before COMMIT
import dramatiq
from django.db import models, transaction


@dramatiq.actor(queue_name="billing")
def render_invoice_pdf(invoice_id):
    return invoice_id


class InvoiceManager(models.Manager):
    def issue(self, order):
        invoice = self.create(order=order, total=order.total)
        render_invoice_pdf.send(invoice.pk)  # expect-line
        return invoice


class Invoice(models.Model):
    order = models.OneToOneField("shop.Order", on_delete=models.PROTECT)
    total = models.DecimalField(max_digits=12, decimal_places=2)

    objects = InvoiceManager()


def checkout(order):
    with transaction.atomic():
        order.mark_paid()
        invoice = Invoice.objects.issue(order)  # via-indirection
    return invoice
