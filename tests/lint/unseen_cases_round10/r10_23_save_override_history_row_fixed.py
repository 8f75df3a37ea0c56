# expect: none
# fixed shape for r10_23: the row and its history row are written in one transaction
#          (a savepoint when the caller has already opened one)
from django.db import models, transaction
from django.utils import timezone


class Price(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            PriceHistory.objects.create(price=self, amount=self.amount, changed_at=timezone.now())


class PriceHistory(models.Model):
    price = models.ForeignKey(Price, on_delete=models.CASCADE, related_name="history")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    changed_at = models.DateTimeField()
