# expect: none
# fixed shape for r9x_25a: both callers load the wallet with select_for_update()
# inside atomic() before withdraw() reads the balance
from decimal import Decimal

from django.conf import settings
from django.db import models


class InsufficientFunds(Exception):
    pass


class Wallet(models.Model):
    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    def withdraw(self, amount):
        if self.balance < amount:
            raise InsufficientFunds(f"wallet {self.pk}: balance {self.balance} is below {amount}")
        self.balance -= amount
        self.save(update_fields=["balance"])
