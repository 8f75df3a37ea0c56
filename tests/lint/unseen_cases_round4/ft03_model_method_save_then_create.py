# expect: forgotten-transaction
# pattern: a model method marks the invoice paid and records the payment as two
#          autocommitted writes; a failing payment insert leaves a paid invoice with no
#          payment row
from django.db import models
from django.utils import timezone


class Invoice(models.Model):
    number = models.CharField(max_length=32, unique=True)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField(null=True)

    def mark_paid(self, reference):
        self.paid_at = timezone.now()
        self.save(update_fields=["paid_at"])  # expect-line
        Payment.objects.create(invoice=self, amount=self.total, reference=reference)


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reference = models.CharField(max_length=64, unique=True)
