# expect: side-effect-in-transaction
# pattern: the checkout takes a PaymentGateway, whose charge() only raises
#          NotImplementedError; the one subclass charges through Stripe, inside atomic()
import stripe
from django.db import transaction

from shop.models import Order


class PaymentGateway:
    def charge(self, order: Order) -> str:
        raise NotImplementedError


class StripeGateway(PaymentGateway):
    def charge(self, order: Order) -> str:
        intent = stripe.PaymentIntent.create(amount=order.total_cents, currency="eur", confirm=True)  # expect-line
        return intent.id


def place_order(order_id: int, gateway: PaymentGateway) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.payment_id = gateway.charge(order)  # via-indirection
        order.status = Order.PAID
        order.save(update_fields=["payment_id", "status"])
    return order
