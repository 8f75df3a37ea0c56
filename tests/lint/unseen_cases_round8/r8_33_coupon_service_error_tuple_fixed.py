# expect: none
# fixed shape for r8_33: apply_coupon() returns the coupon and raises InvalidCoupon, like
# the other methods
from cart.models import Coupon


class CartError(Exception):
    pass


class InvalidQuantity(CartError):
    pass


class LineNotFound(CartError):
    pass


class InvalidCoupon(CartError):
    pass


class CartService:
    def __init__(self, cart):
        self.cart = cart

    def add_item(self, product, quantity):
        if quantity <= 0:
            raise InvalidQuantity(quantity)
        return self.cart.lines.create(product=product, quantity=quantity, unit_price=product.price)

    def remove_item(self, line_id):
        deleted, _ = self.cart.lines.filter(pk=line_id).delete()
        if not deleted:
            raise LineNotFound(line_id)
        return self.cart

    def apply_coupon(self, code):
        coupon = Coupon.objects.filter(code__iexact=code, active=True).first()
        if coupon is None:
            raise InvalidCoupon(f"unknown coupon {code!r}")
        if not coupon.applies_to(self.cart):
            raise InvalidCoupon(f"coupon {code!r} does not apply to this cart")
        self.cart.coupon = coupon
        self.cart.save(update_fields=["coupon"])
        return coupon
