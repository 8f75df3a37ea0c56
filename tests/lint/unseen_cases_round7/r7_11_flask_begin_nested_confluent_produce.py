# expect: side-effect-in-transaction
from confluent_kafka import Producer
from flask import Blueprint, jsonify
from flask_sqlalchemy import SQLAlchemy

from .models import Coupon, Redemption

db = SQLAlchemy()
producer = Producer({"bootstrap.servers": "kafka:9092"})
bp = Blueprint("coupons", __name__)


@bp.post("/coupons/<code>/redeem/<int:user_id>")
def redeem(code: str, user_id: int):
    coupon = Coupon.query.filter_by(code=code).first_or_404()
    with db.session.begin_nested():
        db.session.add(Redemption(coupon_id=coupon.id, user_id=user_id))
        producer.produce("coupon-redeemed", key=code, value=str(user_id))  # expect-line
    db.session.commit()
    return jsonify(ok=True)
