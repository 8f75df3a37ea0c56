# expect: forgotten-transaction
# pattern: a balance is moved with F() (no lost update) but the ledger entry is a second
#          autocommit write; a crash between them leaves money with no ledger line
from decimal import Decimal

from django.db.models import F

from wallet.models import LedgerEntry, Wallet


def top_up(wallet_id, amount, reference):
    amount = Decimal(amount)
    if amount <= 0:
        raise ValueError(f"top-up amount must be positive, got {amount}")
    Wallet.objects.filter(pk=wallet_id).update(balance=F("balance") + amount)  # expect-line
    LedgerEntry.objects.create(wallet_id=wallet_id, amount=amount, reference=reference)
    return reference
