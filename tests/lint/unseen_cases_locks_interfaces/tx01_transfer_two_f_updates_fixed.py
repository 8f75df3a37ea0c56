# expect: none
# fixed shape for tx01: both updates commit together
from django.db import transaction
from django.db.models import F

from bank.models import Account


def transfer(source_id, target_id, amount):
    with transaction.atomic():
        Account.objects.filter(pk=source_id).update(balance=F("balance") - amount)
        Account.objects.filter(pk=target_id).update(balance=F("balance") + amount)
