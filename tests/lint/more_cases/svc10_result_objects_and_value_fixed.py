# expect: none
# fixed shape for svc10: every order service returns a Success or a Failure
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
    def __call__(self, order):
        if order.shipped:
            return Failure("order already shipped")
        order.cancelled = True
        return Success(order)
