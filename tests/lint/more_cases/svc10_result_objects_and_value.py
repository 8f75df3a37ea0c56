# expect: non-uniform-interface
# pattern: two order services return dry-python Success/Failure containers, the third
#          returns the order itself and raises; callers cannot treat them alike
from returns.result import Failure, Success


class ChargeOrder:
    def __call__(self, order):
        if order.total <= 0:
            return Failure("nothing to charge")
        return Success(order.total)


class RefundOrder:
    def __call__(self, order):
        if not order.paid:
            return Failure("order is not paid")
        return Success(order.total)


class CancelOrder:
    def __call__(self, order):  # expect-line
        if order.shipped:
            raise ValueError("order already shipped")
        order.cancelled = True
        return order
