# expect: side-effect-in-transaction
# pattern: a carrier webhook picks its handler with getattr(self, f"handle_{status}") inside
#          an @atomic method. handle_delivered() texts the customer before the status
#          change commits, and a failing save of the tracking event rolls the change back
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
            handler(shipment, payload)  # via-indirection
        TrackingEvent.objects.create(shipment=shipment, status=payload["status"], raw=payload)

    def handle_in_transit(self, shipment, payload):
        shipment.status = Shipment.IN_TRANSIT
        shipment.save(update_fields=["status"])

    def handle_delivered(self, shipment, payload):
        shipment.status = Shipment.DELIVERED
        shipment.save(update_fields=["status"])
        self.sms.messages.create(  # expect-line
            to=shipment.order.customer.phone,
            from_=settings.TWILIO_FROM,
            body=f"Your order {shipment.order.number} has been delivered.",
        )
