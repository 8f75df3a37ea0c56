# expect: side-effect-in-transaction
# pattern: an in-process event bus keeps its subscribers in a defaultdict(list) filled by
#          the @bus.on(...) decorator. The shipping service publishes OrderShipped inside
#          its atomic block, and one subscriber texts the customer, who hears of a shipment
#          that a later failure in the block rolls back
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from twilio.rest import Client

from shop.models import Order, Shipment


@dataclass(frozen=True)
class OrderShipped:
    order_id: int
    tracking_number: str


class EventBus:
    def __init__(self):
        self.subscribers = defaultdict(list)

    def on(self, event_type):
        def subscribe(handler):
            self.subscribers[event_type].append(handler)
            return handler

        return subscribe

    def publish(self, event):
        for handler in self.subscribers[type(event)]:
            handler(event)


bus = EventBus()
sms = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)


@bus.on(OrderShipped)
def text_customer(event):
    order = Order.objects.select_related("customer").get(pk=event.order_id)
    sms.messages.create(  # expect-line
        to=order.customer.phone,
        from_=settings.TWILIO_FROM,
        body=f"Order {order.number} has shipped: {event.tracking_number}",
    )


def ship(order_id, tracking_number):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        Shipment.objects.create(order=order, tracking_number=tracking_number)
        order.status = Order.SHIPPED
        order.save(update_fields=["status"])
        bus.publish(OrderShipped(order.pk, tracking_number))  # via-indirection
