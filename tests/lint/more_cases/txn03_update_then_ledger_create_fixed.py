# expect: none
# fixed shape for txn03: both writes commit together
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from wallet.models import LedgerEntry, Wallet


def top_up(wallet_id, amount, reference):
    amount = Decimal(amount)
    if amount <= 0:
        raise ValueError(f"top-up amount must be positive, got {amount}")
    with transaction.atomic():
        Wallet.objects.filter(pk=wallet_id).update(balance=F("balance") + amount)
        LedgerEntry.objects.create(wallet_id=wallet_id, amount=amount, reference=reference)
    return reference
