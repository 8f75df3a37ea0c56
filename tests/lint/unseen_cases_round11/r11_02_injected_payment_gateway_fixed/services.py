from functools import partial

from django.db import transaction

from .gateways import StripeGateway
from .models import Order, Shipment


class FulfilmentService:
    def __init__(self, gateway: StripeGateway):
        self.gateway = gateway

    def ship(self, order_id: int, carrier: str) -> Shipment:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            order.state = Order.SHIPPED
            order.save(update_fields=["state"])
            transaction.on_commit(partial(self.gateway.capture, order.payment_intent_id, order.total_cents))
            return Shipment.objects.create(order=order, carrier=carrier)
