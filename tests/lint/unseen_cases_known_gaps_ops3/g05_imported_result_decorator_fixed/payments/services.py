# expect: none
# fixed shape for g05: refund() carries @returns_result as the other methods do
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

    @returns_result(GatewayError)
    def refund(self, charge_id: str, amount_cents: int):
        return self.gateway.refund(charge_id, amount=amount_cents)
