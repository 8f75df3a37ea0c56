# expect: none
# fixed shape for lk16: one conditional UPDATE spends the credits
from django.db import models
from django.db.models import F


class CreditPack(models.Model):
    remaining = models.PositiveIntegerField(default=0)

    def spend(self, credits):
        spent = type(self).objects.filter(pk=self.pk, remaining__gte=credits).update(
            remaining=F("remaining") - credits
        )
        if not spent:
            raise ValueError("not enough credits")
        self.refresh_from_db(fields=["remaining"])
