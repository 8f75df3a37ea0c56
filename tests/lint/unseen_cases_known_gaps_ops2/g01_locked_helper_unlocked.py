# expect: missing-lock
# pattern: a helper loads the account row without a lock and returns it; the caller
#          debits it inside atomic() and saves, so two withdrawals both pass the check
from django.db import transaction

from bank.models import Account


def _locked_account(pk):
    return Account.objects.get(pk=pk)


def withdraw(account_id, amount):
    with transaction.atomic():
        account = _locked_account(account_id)
        if account.balance < amount:
            raise ValueError("insufficient funds")
        account.balance -= amount  # expect-line
        account.save(update_fields=["balance"])
