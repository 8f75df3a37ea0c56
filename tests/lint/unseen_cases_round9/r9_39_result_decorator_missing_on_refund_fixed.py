# expect: none
# fixed shape for r9_39: refund() carries @as_result like the other entry points
import functools
from dataclasses import dataclass
from typing import Generic, TypeVar, Union

from payments.gateway import GatewayClient, GatewayError

T = TypeVar("T")


@dataclass(frozen=True)
class Ok(Generic[T]):
    value: T


@dataclass(frozen=True)
class Err:
    code: str
    message: str


Result = Union[Ok[T], Err]


def as_result(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return Ok(method(*args, **kwargs))
        except GatewayError as exc:
            return Err(exc.code, str(exc))

    return wrapper


class PaymentsService:
    def __init__(self, gateway: GatewayClient) -> None:
        self.gateway = gateway

    @as_result
    def authorize(self, card_token: str, amount_cents: int, currency: str):
        return self.gateway.authorize(card_token=card_token, amount=amount_cents, currency=currency)

    @as_result
    def capture(self, authorization_id: str):
        return self.gateway.capture(authorization_id)

    @as_result
    def refund(self, charge_id: str, amount_cents: int):
        return self.gateway.refund(charge_id, amount=amount_cents)
