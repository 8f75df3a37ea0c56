# expect: none
# fixed shape: check and write inside the block that holds the lock
from django.db import transaction

from wallets.models import Wallet


def spend(wallet_id, amount):
    with transaction.atomic():
        wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
        if wallet.balance < amount:
            raise ValueError("insufficient balance")
        wallet.balance -= amount
        wallet.save(update_fields=["balance"])
    return wallet.balance
