# expect: none
# fixed shape: VelocityCheck is called like the other checks
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

    def __call__(self) -> bool:
        return card_velocity(self.order.card_fingerprint, hours=24) < 5
