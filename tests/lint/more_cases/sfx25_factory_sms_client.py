# expect: side-effect-in-transaction
# pattern: the Twilio client comes from a cached factory function, so the call site
#          names no SDK; the text goes out before the order's state change commits
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from twilio.rest import Client

from shop.models import Order


@lru_cache(maxsize=1)
def sms_client():
    return Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)


def confirm(order_id):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.state = "confirmed"
        order.save(update_fields=["state"])
        sms_client().messages.create(to=order.phone, from_=settings.SMS_FROM, body="Confirmed")  # expect-line
    return order
