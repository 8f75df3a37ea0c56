# expect: none
# fixed shape for si02: every call() returns its object or raises CouponError
class CouponError(Exception):
    pass


class CreateCoupon:
    def __init__(self, code, percent):
        self.code = code
        self.percent = percent

    def call(self):
        if not 0 < self.percent <= 100:
            raise CouponError(f"percent must be in 1..100, got {self.percent}")
        return {"code": self.code, "percent": self.percent}


class ApplyCoupon:
    def __init__(self, cart, coupon):
        self.cart = cart
        self.coupon = coupon

    def call(self):
        if self.coupon.expired:
            raise CouponError(f"coupon {self.coupon.code} expired")
        self.cart.discount = self.coupon.percent
        return self.cart


class RevokeCoupon:
    def __init__(self, coupon):
        self.coupon = coupon

    def call(self):
        if self.coupon.revoked:
            raise CouponError(f"coupon {self.coupon.code} is already revoked")
        self.coupon.revoked = True
        return self.coupon
