import httpx
from celery import shared_task
from django.conf import settings

from notifications.models import Device


@shared_task(autoretry_for=(httpx.HTTPError,), retry_backoff=True)
def push_to_devices(user_id, title, body):
    tokens = list(Device.objects.filter(user_id=user_id).values_list("token", flat=True))
    if tokens:
        response = httpx.post(
            settings.PUSH_GATEWAY_URL,
            json={"tokens": tokens, "title": title, "body": body},
            timeout=10,
        )
        response.raise_for_status()
