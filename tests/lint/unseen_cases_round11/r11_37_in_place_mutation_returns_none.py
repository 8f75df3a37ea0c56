# expect: non-uniform-interface
# pattern: the pricing steps return a new Cart, except apply_voucher, which changes the
#          cart in place and returns None. A caller that chains it like the others,
#          "cart = apply_voucher(cart, voucher)", continues with None.
from dataclasses import dataclass, replace
from decimal import Decimal

from checkout.models import ShippingZone, Voucher


@dataclass
class Cart:
    subtotal: Decimal
    weight_grams: int
    shipping: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")


def apply_shipping(cart: Cart, zone: ShippingZone) -> Cart:
    return replace(cart, shipping=zone.rate_for(cart.weight_grams))


def apply_voucher(cart: Cart, voucher: Voucher) -> None:  # expect-line: mutates and returns None
    cart.discount = voucher.discount_for(cart.subtotal)


def apply_tax(cart: Cart, rate: Decimal) -> Cart:
    return replace(cart, tax=(cart.subtotal - cart.discount + cart.shipping) * rate)
