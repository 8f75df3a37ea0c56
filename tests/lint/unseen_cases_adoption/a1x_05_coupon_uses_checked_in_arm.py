# expect: missing-lock
# expect-message: filter(pk=coupon.pk, times_used__lt=F('max_uses'))
# The use count is compared with the limit on a copy, and the F() increment runs in
# the if arm. Two redemptions of the last use both see room and both count.
from django.db.models import F

from promotions.models import Coupon


def redeem(code):
    coupon = Coupon.objects.get(code=code)  # expect-line
    if coupon.times_used < coupon.max_uses:
        Coupon.objects.filter(pk=coupon.pk).update(times_used=F("times_used") + 1)
        return True
    return False
