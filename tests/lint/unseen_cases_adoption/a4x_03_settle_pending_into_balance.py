# expect: forgotten-transaction
# Each account's pending amount is added to its balance with F(), and pending is not
# cleared. A run that fails midway and is started again adds the amounts twice.
from django.db.models import F

from ledger.models import Account


def settle_pending():
    for account in Account.objects.filter(pending__gt=0):
        Account.objects.filter(pk=account.pk).update(balance=F("balance") + account.pending)  # expect-line
