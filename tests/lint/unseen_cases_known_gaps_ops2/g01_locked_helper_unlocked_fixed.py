# expect: none
# fixed shape for g01: the helper takes the row lock with select_for_update() and
#          returns the locked row, which stays locked until the caller's atomic() ends
from django.db import transaction

from bank.models import Account


def _locked_account(pk):
    return Account.objects.select_for_update().get(pk=pk)


def withdraw(account_id, amount):
    with transaction.atomic():
        account = _locked_account(account_id)
        if account.balance < amount:
            raise ValueError("insufficient funds")
        account.balance -= amount
        account.save(update_fields=["balance"])
