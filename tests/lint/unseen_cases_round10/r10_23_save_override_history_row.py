# expect: forgotten-transaction
# pattern: a save() override writes the row and then its history row. A caller in
#          autocommit gets two commits, and a failing history insert leaves a price change
#          with no audit record.
from django.db import models
from django.utils import timezone


class Price(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)  # expect-line
        PriceHistory.objects.create(price=self, amount=self.amount, changed_at=timezone.now())


class PriceHistory(models.Model):
    price = models.ForeignKey(Price, on_delete=models.CASCADE, related_name="history")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    changed_at = models.DateTimeField()
