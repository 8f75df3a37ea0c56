# expect: missing-lock
# pattern: a coupon's use count is incremented in Python and saved, so two checkouts at
#          once count one use
from django.db import models


class Coupon(models.Model):
    code = models.CharField(max_length=32, unique=True)
    uses = models.PositiveIntegerField(default=0)
    max_uses = models.PositiveIntegerField()


class CouponExhausted(Exception):
    pass


def use_coupon(code):
    coupon = Coupon.objects.get(code=code)
    if coupon.uses >= coupon.max_uses:
        raise CouponExhausted(code)
    coupon.uses += 1  # expect-line
    coupon.save()
