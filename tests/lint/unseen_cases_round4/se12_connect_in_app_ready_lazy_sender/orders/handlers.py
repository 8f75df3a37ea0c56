from django.conf import settings

import requests


def order_saved(sender, instance, created, **kwargs):
    if created:
        requests.post(  # expect-line
            settings.FULFILMENT_WEBHOOK_URL,
            json={"order": instance.pk, "total": str(instance.total)},
            timeout=5,
        )
