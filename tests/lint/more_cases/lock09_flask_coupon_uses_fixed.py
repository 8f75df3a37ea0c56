# expect: none
# fixed shape for lock09: the row is read FOR UPDATE, so the check and the increment
# happen under one lock
from flask import abort

from app.extensions import db
from app.models import Coupon


def redeem(code):
    coupon = Coupon.query.filter_by(code=code).with_for_update().first()
    if coupon is None or coupon.uses >= coupon.max_uses:
        abort(410)
    coupon.uses += 1
    db.session.commit()
    return coupon
