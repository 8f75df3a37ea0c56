# expect: none
# fixed shape: unchanged gateway, the service defers the capture until the COMMIT
import stripe


class StripeGateway:
    def __init__(self, api_key: str):
        self.api_key = api_key

    def capture(self, payment_intent_id: str, amount_cents: int):
        return stripe.PaymentIntent.capture(
            payment_intent_id,
            amount_to_capture=amount_cents,
            api_key=self.api_key,
        )
