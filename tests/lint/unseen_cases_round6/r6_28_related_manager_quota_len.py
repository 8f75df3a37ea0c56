# expect: missing-lock
# pattern: a plan quota checked with len() of a related queryset, then a row created
#          through the related manager; two requests both see room for one more key
from django.core.exceptions import PermissionDenied


def add_api_key(account, label):
    keys = account.api_keys.all()  # expect-line
    if len(keys) >= account.plan.max_api_keys:
        raise PermissionDenied("API key limit reached")
    return account.api_keys.create(label=label)  # expect-line
