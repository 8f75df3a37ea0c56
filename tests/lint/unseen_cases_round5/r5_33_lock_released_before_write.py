# expect: missing-lock
# pattern: select_for_update() is there, but its atomic() block ends before the change is
#          saved, so the row lock is gone when the new balance is written
from django.db import transaction

from wallets.models import Wallet


def spend(wallet_id, amount):
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
    if wallet.balance < amount:
        raise ValueError("insufficient balance")
    wallet.balance -= amount  # expect-line: the lock ended with the block above
    wallet.save(update_fields=["balance"])
    return wallet.balance
