# expect: forgotten-transaction
# pattern: a wallet transfer made of two F() updates and a transfer record in autocommit.
#          Each UPDATE is safe against lost updates, but a failure after the debit leaves
#          money that left one wallet and never reached the other.
from django.db.models import F

from wallets.models import Transfer, Wallet


class InsufficientFunds(Exception):
    pass


def transfer(source_id, target_id, amount):
    debited = Wallet.objects.filter(pk=source_id, balance__gte=amount).update(balance=F("balance") - amount)  # expect-line
    if not debited:
        raise InsufficientFunds(f"wallet {source_id} has less than {amount}")
    Wallet.objects.filter(pk=target_id).update(balance=F("balance") + amount)
    return Transfer.objects.create(source_id=source_id, target_id=target_id, amount=amount)
