# expect: none
# fixed shape: the check and the increment are one conditional UPDATE, so only the
#          requests that still find a free use get a row count of 1
from django.db import transaction
from django.db.models import F

from promotions.models import Coupon, Redemption


class CouponExhausted(Exception):
    pass


def redeem(code, user):
    with transaction.atomic():
        claimed = Coupon.objects.filter(code=code, times_used__lt=F("max_uses")).update(
            times_used=F("times_used") + 1
        )
        if not claimed:
            raise CouponExhausted(code)
        return Redemption.objects.create(coupon=Coupon.objects.get(code=code), user=user)
