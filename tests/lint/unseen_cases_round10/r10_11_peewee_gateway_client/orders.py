from .db import db
from .gateway import PaymentGateway
from .models import Order, Payment
from .settings import GATEWAY_KEY, GATEWAY_URL

gateway = PaymentGateway(GATEWAY_URL, GATEWAY_KEY)


def fulfil(order):
    with db.atomic():
        Order.update(state="fulfilled").where(Order.id == order.id).execute()
        capture_id = gateway.capture(order.authorization_id, order.total_cents)  # via-indirection
        Payment.create(order=order.id, capture_id=capture_id, amount_cents=order.total_cents)
