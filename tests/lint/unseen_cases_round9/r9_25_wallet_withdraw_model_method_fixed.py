# expect: none
# fixed shape for r9_25: the caller locks the wallet row before withdraw() reads it
from decimal import Decimal

from django.db import models, transaction


class InsufficientFunds(Exception):
    pass


class Wallet(models.Model):
    owner = models.OneToOneField("auth.User", on_delete=models.CASCADE)
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    def withdraw(self, amount):
        if self.balance < amount:
            raise InsufficientFunds(f"wallet {self.pk}: balance {self.balance} is below {amount}")
        self.balance -= amount
        self.save(update_fields=["balance"])


class Withdrawal(models.Model):
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT)
    amount = models.DecimalField(max_digits=12, decimal_places=2)


def cash_out(user, amount):
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(owner=user)
        wallet.withdraw(amount)
        return Withdrawal.objects.create(wallet=wallet, amount=amount)
