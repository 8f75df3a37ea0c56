# expect: non-uniform-interface
# pattern: the refund services are static run() methods that take the order and the
#          amount as arguments, except PartialRefund, whose run() takes one request
#          payload and reads its keys, so a caller that passes arguments gets a TypeError.
from decimal import Decimal

from payments.gateway import refund


class FullRefund:
    @staticmethod
    def run(order, reason: str) -> Decimal:
        return refund(order.payment_id, order.total, reason)


class ShippingRefund:
    @staticmethod
    def run(order, reason: str) -> Decimal:
        return refund(order.payment_id, order.shipping, reason)


class PartialRefund:
    @staticmethod
    def run(payload) -> Decimal:  # expect-line
        return refund(payload["payment_id"], Decimal(payload["amount"]), payload.get("reason", ""))
