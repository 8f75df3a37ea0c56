# expect: missing-lock
# pattern: F() makes the increment atomic, but the limit check reads an unlocked row; two
#          redemptions of the last use both pass the check and the coupon ends over its
#          limit
from django.db import transaction
from django.db.models import F

from promotions.models import Coupon, Redemption


class CouponExhausted(Exception):
    pass


def redeem(code, user):
    with transaction.atomic():
        coupon = Coupon.objects.get(code=code)  # expect-line
        if coupon.times_used >= coupon.max_uses:
            raise CouponExhausted(code)
        coupon.times_used = F("times_used") + 1
        coupon.save(update_fields=["times_used"])
        return Redemption.objects.create(coupon=coupon, user=user)
