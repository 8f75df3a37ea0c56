# expect: non-uniform-interface
# pattern: payout services return dry-python returns' Success/Failure through @safe, but
#          cancel_payout() lacks the decorator, so it returns the bare transfer and raises
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


def cancel_payout(transfer_id: str):  # expect-line: no @safe
    return gateway.cancel_transfer(transfer_id)
