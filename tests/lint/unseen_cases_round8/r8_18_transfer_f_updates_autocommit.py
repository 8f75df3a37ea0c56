# expect: forgotten-transaction
# pattern: each balance change is an atomic F() update, but the debit, the credit and the
#          transfer record commit one by one; a crash after the debit loses the money
from django.db.models import F

from ledger.errors import InsufficientFunds
from ledger.models import Account, Transfer


class TransferService:
    def transfer(self, source_id, target_id, amount, reference):
        debited = Account.objects.filter(pk=source_id, balance__gte=amount).update(  # expect-line
            balance=F("balance") - amount
        )
        if not debited:
            raise InsufficientFunds(source_id, amount)
        Account.objects.filter(pk=target_id).update(balance=F("balance") + amount)
        return Transfer.objects.create(
            source_id=source_id, target_id=target_id, amount=amount, reference=reference
        )
