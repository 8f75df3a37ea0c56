# expect: none
# fixed shape for r8_18: debit, credit and record commit together or not at all
from django.db import transaction
from django.db.models import F

from ledger.errors import InsufficientFunds
from ledger.models import Account, Transfer


class TransferService:
    def transfer(self, source_id, target_id, amount, reference):
        with transaction.atomic():
            debited = Account.objects.filter(pk=source_id, balance__gte=amount).update(
                balance=F("balance") - amount
            )
            if not debited:
                raise InsufficientFunds(source_id, amount)
            Account.objects.filter(pk=target_id).update(balance=F("balance") + amount)
            return Transfer.objects.create(
                source_id=source_id, target_id=target_id, amount=amount, reference=reference
            )
