# expect: side-effect-in-transaction
# pattern: service keeps its payment gateway in self.gateway (set in __init__); the @atomic
#          method charges through it before the order rows commit
import requests
from django.db import transaction

from orders.models import Order, Payment


class CardGateway:
    def __init__(self, api_url):
        self.api_url = api_url

    def capture(self, token, amount_cents):
        response = requests.post(f"{self.api_url}/captures", json={"token": token, "amount": amount_cents}, timeout=10)  # expect-line
        response.raise_for_status()
        return response.json()["id"]


class CheckoutService:
    def __init__(self, api_url):
        self.gateway = CardGateway(api_url)

    @transaction.atomic
    def checkout(self, cart, card_token):
        order = Order.objects.create(customer=cart.customer, total_cents=cart.total_cents)
        capture_id = self.gateway.capture(card_token, order.total_cents)  # via-indirection
        Payment.objects.create(order=order, capture_id=capture_id)
        return order
