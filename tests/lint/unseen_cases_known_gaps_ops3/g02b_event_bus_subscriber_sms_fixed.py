# expect: none
# fixed shape for g02b: the shipping service publishes OrderShipped once the shipment
#          commits
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
    sms.messages.create(
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
        event = OrderShipped(order.pk, tracking_number)
        transaction.on_commit(lambda: bus.publish(event))
