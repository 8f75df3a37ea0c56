# expect: non-uniform-interface
# pattern: the fraud checks are built with the order and called, except VelocityCheck,
#          whose verdict is a cached_property that queries the payment provider when it
#          is first read, so callers cannot call it like the other checks.
from functools import cached_property

from fraud.provider import card_velocity, ip_risk


class IpRiskCheck:
    def __init__(self, order):
        self.order = order

    def __call__(self) -> bool:
        return ip_risk(self.order.ip_address) < 0.8


class AddressCheck:
    def __init__(self, order):
        self.order = order

    def __call__(self) -> bool:
        return self.order.billing_address.country == self.order.shipping_address.country


class VelocityCheck:
    def __init__(self, order):
        self.order = order

    @cached_property
    def verdict(self) -> bool:  # expect-line
        return card_velocity(self.order.card_fingerprint, hours=24) < 5
