# expect: none
# fixed shape: debit, credit and record commit together
from django.db import transaction
from django.db.models import F

from wallets.models import Transfer, Wallet


class InsufficientFunds(Exception):
    pass


@transaction.atomic
def transfer(source_id, target_id, amount):
    debited = Wallet.objects.filter(pk=source_id, balance__gte=amount).update(balance=F("balance") - amount)
    if not debited:
        raise InsufficientFunds(f"wallet {source_id} has less than {amount}")
    Wallet.objects.filter(pk=target_id).update(balance=F("balance") + amount)
    return Transfer.objects.create(source_id=source_id, target_id=target_id, amount=amount)
