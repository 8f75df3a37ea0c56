# expect: none
# fixed shape: both rows are locked and written, with the transfer record, in one
#          transaction
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from banking.models import Account, Transfer


def transfer(source_id: int, target_id: int, amount: Decimal) -> Transfer:
    with transaction.atomic():
        accounts = Account.objects.select_for_update().in_bulk([source_id, target_id])
        if accounts[source_id].balance < amount:
            raise ValueError(f"account {source_id} has less than {amount}")
        Account.objects.filter(pk=source_id).update(balance=F("balance") - amount)
        Account.objects.filter(pk=target_id).update(balance=F("balance") + amount)
        return Transfer.objects.create(source_id=source_id, target_id=target_id, amount=amount)
