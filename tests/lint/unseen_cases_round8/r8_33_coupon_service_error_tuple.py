# expect: non-uniform-interface
# pattern: the cart service's methods return the changed object and raise a CartError
#          subclass on failure, except apply_coupon(), which returns a (coupon, error)
#          pair; callers that treat it like its neighbours apply no coupon and show no error
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

    def apply_coupon(self, code):  # expect-line
        coupon = Coupon.objects.filter(code__iexact=code, active=True).first()
        if coupon is None:
            return None, "unknown coupon"
        if not coupon.applies_to(self.cart):
            return None, "coupon does not apply to this cart"
        self.cart.coupon = coupon
        self.cart.save(update_fields=["coupon"])
        return coupon, None
