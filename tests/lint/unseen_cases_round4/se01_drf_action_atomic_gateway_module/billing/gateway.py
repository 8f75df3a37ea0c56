import httpx
from django.conf import settings


def cancel_remote_subscription(subscription):
    response = httpx.delete(  # expect-line
        f"{settings.BILLING_API_URL}/subscriptions/{subscription.remote_id}",
        headers={"Authorization": f"Bearer {settings.BILLING_API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
