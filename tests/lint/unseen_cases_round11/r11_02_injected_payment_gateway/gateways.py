# expect: side-effect-in-transaction
# pattern: the payment gateway is injected into the service through its constructor, so
#          the Stripe capture inside the service's atomic() block shows only as
#          self.gateway.capture(...). A failing shipment insert rolls the order back to
#          "paid", but the money stays captured.
import stripe


class StripeGateway:
    def __init__(self, api_key: str):
        self.api_key = api_key

    def capture(self, payment_intent_id: str, amount_cents: int):
        return stripe.PaymentIntent.capture(  # expect-line
            payment_intent_id,
            amount_to_capture=amount_cents,
            api_key=self.api_key,
        )
