# expect: none
# fixed shape for r9x_43: cancel_payout() carries @safe like the other services
from returns.result import safe

from payouts.gateway import gateway


@safe
def create_payout(account_id: str, amount_cents: int):
    return gateway.create_transfer(account_id, amount_cents)


@safe
def retry_payout(transfer_id: str):
    return gateway.retry_transfer(transfer_id)


@safe
def get_payout(transfer_id: str):
    return gateway.get_transfer(transfer_id)


@safe
def cancel_payout(transfer_id: str):
    return gateway.cancel_transfer(transfer_id)
