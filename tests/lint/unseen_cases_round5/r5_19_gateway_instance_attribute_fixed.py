# expect: none
# fixed shape: capture first (the capture must succeed before the order exists), then one
# short transaction for the two rows
import requests
from django.db import transaction

from orders.models import Order, Payment


class CardGateway:
    def __init__(self, api_url):
        self.api_url = api_url

    def capture(self, token, amount_cents):
        response = requests.post(f"{self.api_url}/captures", json={"token": token, "amount": amount_cents}, timeout=10)
        response.raise_for_status()
        return response.json()["id"]


class CheckoutService:
    def __init__(self, api_url):
        self.gateway = CardGateway(api_url)

    def checkout(self, cart, card_token):
        capture_id = self.gateway.capture(card_token, cart.total_cents)
        with transaction.atomic():
            order = Order.objects.create(customer=cart.customer, total_cents=cart.total_cents)
            Payment.objects.create(order=order, capture_id=capture_id)
        return order
