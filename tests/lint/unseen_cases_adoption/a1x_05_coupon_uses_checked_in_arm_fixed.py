# expect: none
# The filter compares the two columns in SQL, so only one caller can take the last use.
from django.db.models import F

from promotions.models import Coupon


def redeem(code):
    coupon = Coupon.objects.get(code=code)
    return bool(Coupon.objects.filter(pk=coupon.pk, times_used__lt=F("max_uses")).update(times_used=F("times_used") + 1))
