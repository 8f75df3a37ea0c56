# expect: none
# fixed shape for sfx22: the manager method sends the message on commit
import dramatiq
from django.db import models, transaction


@dramatiq.actor(queue_name="billing")
def render_invoice_pdf(invoice_id):
    return invoice_id


class InvoiceManager(models.Manager):
    def issue(self, order):
        invoice = self.create(order=order, total=order.total)
        invoice_id = invoice.pk
        transaction.on_commit(lambda: render_invoice_pdf.send(invoice_id))
        return invoice


class Invoice(models.Model):
    order = models.OneToOneField("shop.Order", on_delete=models.PROTECT)
    total = models.DecimalField(max_digits=12, decimal_places=2)

    objects = InvoiceManager()


def checkout(order):
    with transaction.atomic():
        order.mark_paid()
        invoice = Invoice.objects.issue(order)
    return invoice
