# expect: none
# fixed shape for r9x_15a: the card is charged before the short transaction that records it
import stripe
from django.db import transaction

from shop.models import Order


class PaymentGateway:
    def charge(self, order: Order) -> str:
        raise NotImplementedError


class StripeGateway(PaymentGateway):
    def charge(self, order: Order) -> str:
        intent = stripe.PaymentIntent.create(amount=order.total_cents, currency="eur", confirm=True)
        return intent.id


def place_order(order_id: int, gateway: PaymentGateway) -> Order:
    order = Order.objects.get(pk=order_id)
    payment_id = gateway.charge(order)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.payment_id = payment_id
        order.status = Order.PAID
        order.save(update_fields=["payment_id", "status"])
    return order
