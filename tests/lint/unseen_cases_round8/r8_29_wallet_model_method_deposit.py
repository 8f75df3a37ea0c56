# expect: missing-lock
# pattern: Wallet.deposit() adds to the balance that the caller loaded earlier and saves
#          it; the atomic() decorator keeps the entry and the balance together but does
#          not stop two deposits from overwriting each other's balance
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST


class Wallet(models.Model):
    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet")
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    @transaction.atomic
    def deposit(self, amount, reference):
        self.balance += amount  # expect-line
        self.save(update_fields=["balance"])
        WalletEntry.objects.create(wallet=self, amount=amount, reference=reference)


class WalletEntry(models.Model):
    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="entries")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reference = models.CharField(max_length=64)


@require_POST
def top_up(request):
    wallet = request.user.wallet
    wallet.deposit(amount=Decimal(request.POST["amount"]), reference=request.POST["reference"])
    return JsonResponse({"balance": str(wallet.balance)})
