from django.db import transaction

from billing.models import Account, Invoice
from billing.services.errors import AccountHasOpenInvoices, AccountNotFound


def close_account(account_id: int) -> Account:
    with transaction.atomic():
        try:
            account = Account.objects.select_for_update().get(pk=account_id)
        except Account.DoesNotExist:
            raise AccountNotFound(account_id) from None
        if Invoice.objects.filter(account=account, status=Invoice.OPEN).exists():
            raise AccountHasOpenInvoices(account_id)
        account.closed = True
        account.save(update_fields=["closed"])
    return account
