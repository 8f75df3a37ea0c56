# expect: none
# fixed shape: the account row is locked before the count, so requests take turns
from django.core.exceptions import PermissionDenied
from django.db import transaction

from keys.models import Account


def add_api_key(account, label):
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if account.api_keys.count() >= account.plan.max_api_keys:
            raise PermissionDenied("API key limit reached")
        return account.api_keys.create(label=label)
