# expect: none
# fixed shape for r8_29: the balance is increased in SQL and read back after the update
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.http import JsonResponse
from django.views.decorators.http import require_POST


class Wallet(models.Model):
    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet")
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    @transaction.atomic
    def deposit(self, amount, reference):
        Wallet.objects.filter(pk=self.pk).update(balance=F("balance") + amount)
        WalletEntry.objects.create(wallet=self, amount=amount, reference=reference)
        self.refresh_from_db(fields=["balance"])


class WalletEntry(models.Model):
    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="entries")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reference = models.CharField(max_length=64)


@require_POST
def top_up(request):
    wallet = request.user.wallet
    wallet.deposit(amount=Decimal(request.POST["amount"]), reference=request.POST["reference"])
    return JsonResponse({"balance": str(wallet.balance)})
