# expect: none
# fixed shape: the model method is atomic, so the invoice and its payment commit together
from django.db import models, transaction
from django.utils import timezone


class Invoice(models.Model):
    number = models.CharField(max_length=32, unique=True)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField(null=True)

    @transaction.atomic
    def mark_paid(self, reference):
        self.paid_at = timezone.now()
        self.save(update_fields=["paid_at"])
        Payment.objects.create(invoice=self, amount=self.total, reference=reference)


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reference = models.CharField(max_length=64, unique=True)
