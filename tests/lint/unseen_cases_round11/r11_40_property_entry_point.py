# expect: non-uniform-interface
# pattern: the cart services are built with the cart and run with execute(), except
#          ShippingEstimate, whose result is a property. A caller that writes
#          "ShippingEstimate(cart).execute()" gets an AttributeError, and the property
#          hides a carrier lookup behind what reads like a field.
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

    @property
    def result(self) -> Decimal:  # expect-line: read as an attribute instead of execute()
        return cheapest_rate(self.cart.address.country, sum(line.weight_grams for line in self.cart.lines))
