# expect: forgotten-transaction
# pattern: a transfer runs two F() updates in autocommit mode; each is safe alone, but a
#          failure after the debit loses the money
from django.db.models import F

from bank.models import Account


def transfer(source_id, target_id, amount):
    Account.objects.filter(pk=source_id).update(balance=F("balance") - amount)  # expect-line
    Account.objects.filter(pk=target_id).update(balance=F("balance") + amount)
