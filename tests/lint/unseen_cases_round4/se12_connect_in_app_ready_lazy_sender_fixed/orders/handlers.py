from functools import partial

from django.conf import settings
from django.db import transaction

import requests


def order_saved(sender, instance, created, **kwargs):
    if created:
        transaction.on_commit(
            partial(
                requests.post,
                settings.FULFILMENT_WEBHOOK_URL,
                json={"order": instance.pk, "total": str(instance.total)},
                timeout=5,
            )
        )
