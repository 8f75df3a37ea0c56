# expect: non-uniform-interface
# pattern: coupon services share call(); one returns {"ok": ..., "error": ...} while
#          the others return the coupon and raise, so "if result:" is always true there
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

    def call(self):  # expect-line
        if self.coupon.expired:
            return {"ok": False, "error": "coupon expired"}
        self.cart.discount = self.coupon.percent
        return {"ok": True, "error": None}


class RevokeCoupon:
    def __init__(self, coupon):
        self.coupon = coupon

    def call(self):
        if self.coupon.revoked:
            raise CouponError(f"coupon {self.coupon.code} is already revoked")
        self.coupon.revoked = True
        return self.coupon
