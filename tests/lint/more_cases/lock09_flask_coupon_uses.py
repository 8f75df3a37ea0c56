# expect: missing-lock
# pattern: Flask-SQLAlchemy coupon redemption: the use count is read with .first(),
#          compared to the limit and incremented in Python
from flask import abort

from app.extensions import db
from app.models import Coupon


def redeem(code):
    coupon = Coupon.query.filter_by(code=code).first()
    if coupon is None or coupon.uses >= coupon.max_uses:
        abort(410)
    coupon.uses += 1  # expect-line
    db.session.commit()
    return coupon
