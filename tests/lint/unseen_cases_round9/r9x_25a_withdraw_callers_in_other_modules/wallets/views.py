from decimal import Decimal

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from wallets.models import Wallet

MONTHLY_FEE = Decimal("2.50")


@require_POST
def charge_fee(request):
    with transaction.atomic():
        wallet = Wallet.objects.get(owner=request.user)
        wallet.withdraw(MONTHLY_FEE)
    return JsonResponse({"balance": str(wallet.balance)})
