# expect: none
# fixed shape for r10x_32c: django-optimistic-lock's VersionField makes the save fail with
#          ConcurrentUpdate when another checkout saved the coupon first
from django.db import models
from ool import ConcurrentUpdate, VersionedMixin, VersionField


class Coupon(VersionedMixin, models.Model):
    code = models.CharField(max_length=32, unique=True)
    uses = models.PositiveIntegerField(default=0)
    max_uses = models.PositiveIntegerField()
    version = VersionField()


class CouponExhausted(Exception):
    pass


def use_coupon(code):
    coupon = Coupon.objects.get(code=code)
    if coupon.uses >= coupon.max_uses:
        raise CouponExhausted(code)
    coupon.uses += 1
    try:
        coupon.save()
    except ConcurrentUpdate:
        raise CouponExhausted(code) from None
