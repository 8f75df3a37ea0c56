# expect: none
# fixed shape: ShippingEstimate runs through execute() like its siblings
from decimal import Decimal

from checkout.carriers import cheapest_rate
from checkout.loyalty import points_for


class CartTotal:
    def __init__(self, cart):
        self.cart = cart

    def execute(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.cart.lines), Decimal("0"))


class LoyaltyPoints:
    def __init__(self, cart):
        self.cart = cart

    def execute(self) -> int:
        return points_for(self.cart.customer, self.cart.lines)


class ShippingEstimate:
    def __init__(self, cart):
        self.cart = cart

    def execute(self) -> Decimal:
        return cheapest_rate(self.cart.address.country, sum(line.weight_grams for line in self.cart.lines))
