# expect: none
# fixed shape: the order row is read with FOR UPDATE, so the second delivery waits and
#              then reads status "paid"
import stripe
from flask import Blueprint, current_app, request
from sqlalchemy import select, update

from app.extensions import db
from app.models import Order, User

bp = Blueprint("webhooks", __name__)


@bp.post("/webhooks/stripe")
def payment_succeeded():
    event = stripe.Webhook.construct_event(
        request.data, request.headers["Stripe-Signature"], current_app.config["STRIPE_WEBHOOK_SECRET"]
    )
    reference = event["data"]["object"]["id"]
    order = db.session.execute(select(Order).where(Order.payment_ref == reference).with_for_update()).scalar_one()
    if order.status == "paid":
        return "", 200
    order.status = "paid"
    db.session.execute(update(User).where(User.id == order.user_id).values(credits=User.credits + order.credits))
    db.session.commit()
    return "", 200
