# expect: none
# fixed shape for r10_31: the second block locks the row again and repeats the check
#          before writing
from django.db import transaction

from payouts.models import Account, Payout
from payouts.provider import quote_fee


class InsufficientFunds(Exception):
    pass


def request_payout(account_id, amount):
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if account.balance < amount:
            raise InsufficientFunds(f"account {account_id} has a balance below {amount}")
    # The quote is an HTTP call, kept outside any transaction.
    fee = quote_fee(account.currency, amount)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if account.balance < amount + fee:
            raise InsufficientFunds(f"account {account_id} has a balance below {amount + fee}")
        account.balance -= amount + fee
        account.save(update_fields=["balance"])
        Payout.objects.create(account=account, amount=amount, fee=fee)
