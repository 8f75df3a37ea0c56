# expect: none
# Each balance is recomputed from the account's own ledger entries by its key, so a
# second run writes the same values.
from django.db.models import Sum

from ledger.models import Account


def rebuild_balances():
    for account in Account.objects.annotate(entries_sum=Sum("entries__amount")):
        Account.objects.filter(pk=account.pk).update(balance=account.entries_sum or 0)
