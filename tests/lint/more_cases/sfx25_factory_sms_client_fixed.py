# expect: none
# fixed shape for sfx25: the text is sent once the state change has committed
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
    sms_client().messages.create(to=order.phone, from_=settings.SMS_FROM, body="Confirmed")
    return order
