# expect: missing-lock
# pattern: the account row is locked and checked in one atomic() block and written in a
#          second one, after a fee quote from the payout provider. The lock ends with the
#          first block, so two payouts both pass the balance check.
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
        account.balance -= amount + fee  # expect-line
        account.save(update_fields=["balance"])
        Payout.objects.create(account=account, amount=amount, fee=fee)
