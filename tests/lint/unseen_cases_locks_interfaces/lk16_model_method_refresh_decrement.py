# expect: missing-lock
# pattern: a model method refreshes itself, checks the remaining credits and subtracts
#          in Python; refresh_from_db() does not lock, so two calls spend the same credit
from django.db import models


class CreditPack(models.Model):
    remaining = models.PositiveIntegerField(default=0)

    def spend(self, credits):
        self.refresh_from_db(fields=["remaining"])
        if self.remaining < credits:
            raise ValueError("not enough credits")
        self.remaining -= credits  # expect-line
        self.save(update_fields=["remaining"])
