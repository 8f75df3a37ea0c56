# expect: missing-lock
# pattern: the new total is computed from a row read earlier and written back with
#          update_or_create(); two concurrent deposits each write old + amount
from decimal import Decimal

from savings.models import Pot


def deposit(user, amount):
    amount = Decimal(amount)
    pot = Pot.objects.filter(user=user).first()  # expect-line
    current = pot.total if pot else Decimal(0)
    Pot.objects.update_or_create(user=user, defaults={"total": current + amount})
    return current + amount
