# expect: missing-lock
# pattern: Wallet.withdraw() checks and decrements its own balance. The payout service
#          locks the wallet row first, but the fee view calls it on a wallet loaded with a
#          plain get(), so a fee and a payout may both pass the check
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
        self.balance -= amount  # expect-line
        self.save(update_fields=["balance"])
