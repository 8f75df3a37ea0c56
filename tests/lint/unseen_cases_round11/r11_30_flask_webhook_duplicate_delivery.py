# expect: missing-lock
# pattern: the payment provider can deliver the same "payment succeeded" webhook twice at
#          once. Both requests read the order as unpaid before either commits, and both
#          add the purchased credits to the account.
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
    order = db.session.execute(select(Order).where(Order.payment_ref == reference)).scalar_one()  # expect-line
    if order.status == "paid":
        return "", 200
    order.status = "paid"
    db.session.execute(update(User).where(User.id == order.user_id).values(credits=User.credits + order.credits))
    db.session.commit()
    return "", 200
