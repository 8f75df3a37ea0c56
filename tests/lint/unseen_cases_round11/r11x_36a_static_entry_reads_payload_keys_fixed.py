# expect: none
# fixed shape: PartialRefund takes its inputs as arguments like its siblings
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
    def run(order, amount: Decimal, reason: str = "") -> Decimal:
        return refund(order.payment_id, amount, reason)
