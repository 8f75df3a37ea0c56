# expect: forgotten-transaction
# pattern: a transfer debits one account and credits the other with two save() calls in
#          autocommit mode; a crash between them loses the amount. The balances are also
#          changed in Python on rows loaded elsewhere, without a lock, which is a second
#          fault (missing-lock) on the two marked assignments.
from decimal import Decimal

from banking.models import Account, Transfer


def transfer(source: Account, target: Account, amount: Decimal) -> Transfer:
    source.balance -= amount  # expect-line
    source.save(update_fields=["balance"])  # expect-line
    target.balance += amount  # expect-line
    target.save(update_fields=["balance"])
    return Transfer.objects.create(source=source, target=target, amount=amount)
