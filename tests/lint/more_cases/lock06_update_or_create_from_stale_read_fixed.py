# expect: none
# fixed shape for lock06: the row is created once, then the database adds the amount
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from savings.models import Pot


def deposit(user, amount):
    amount = Decimal(amount)
    with transaction.atomic():
        Pot.objects.get_or_create(user=user, defaults={"total": Decimal(0)})
        Pot.objects.filter(user=user).update(total=F("total") + amount)
        return Pot.objects.get(user=user).total
