# expect: none
# fixed shape for g03: handle_delivered() sends the text when the webhook's transaction
#          commits
from functools import partial

from django.conf import settings
from django.db import transaction
from twilio.rest import Client

from shipping.models import Shipment, TrackingEvent


class CarrierWebhook:
    def __init__(self):
        self.sms = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)

    @transaction.atomic
    def process(self, payload):
        shipment = Shipment.objects.select_for_update().get(tracking_number=payload["tracking_number"])
        handler = getattr(self, f"handle_{payload['status']}", None)
        if handler is not None:
            handler(shipment, payload)
        TrackingEvent.objects.create(shipment=shipment, status=payload["status"], raw=payload)

    def handle_in_transit(self, shipment, payload):
        shipment.status = Shipment.IN_TRANSIT
        shipment.save(update_fields=["status"])

    def handle_delivered(self, shipment, payload):
        shipment.status = Shipment.DELIVERED
        shipment.save(update_fields=["status"])
        send = partial(
            self.sms.messages.create,
            to=shipment.order.customer.phone,
            from_=settings.TWILIO_FROM,
            body=f"Your order {shipment.order.number} has been delivered.",
        )
        transaction.on_commit(send)
