# expect: non-uniform-interface
# pattern: the payments service wraps gateway errors in Err values with the project's
#          @returns_result decorator from common.results. refund() lacks the decorator, so
#          it returns the bare refund and lets GatewayError escape to callers that match
#          on Ok and Err
from common.results import returns_result
from payments.gateway import GatewayClient, GatewayError


class PaymentsService:
    def __init__(self, gateway: GatewayClient) -> None:
        self.gateway = gateway

    @returns_result(GatewayError)
    def authorize(self, card_token: str, amount_cents: int, currency: str):
        return self.gateway.authorize(card_token=card_token, amount=amount_cents, currency=currency)

    @returns_result(GatewayError)
    def capture(self, authorization_id: str):
        return self.gateway.capture(authorization_id)

    def refund(self, charge_id: str, amount_cents: int):  # expect-line
        return self.gateway.refund(charge_id, amount=amount_cents)
