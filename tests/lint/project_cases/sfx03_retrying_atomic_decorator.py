# expect: side-effect-in-transaction
# pattern: a project decorator retries the function inside atomic() on serialization
#          failures; the decorated function's HTTP call runs inside the transaction, and
#          once per retry
import functools

import requests
from django.db import OperationalError, transaction

from billing.models import Subscription


def atomic_with_retry(attempts=3):
    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for attempt in range(attempts):
                try:
                    with transaction.atomic():
                        return function(*args, **kwargs)
                except OperationalError:
                    if attempt == attempts - 1:
                        raise
        return wrapper
    return decorate


@atomic_with_retry(attempts=5)
def renew(subscription_id):
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    subscription.period += 1
    subscription.save(update_fields=["period"])
    requests.post("https://crm.example.invalid/renewals", json={"id": subscription.pk}, timeout=5)  # expect-line
