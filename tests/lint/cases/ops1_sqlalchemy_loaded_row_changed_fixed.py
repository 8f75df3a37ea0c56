# expect: none
from sqlalchemy import select

from billing.db import SessionLocal
from billing.models import Subscription
from billing.tasks import notify_renewal


def renew(subscription_id):
    with SessionLocal() as session:
        subscription = session.execute(select(Subscription).where(Subscription.id == subscription_id)).scalar_one()
        subscription.status = "renewed"
        session.commit()
        notify_renewal.delay(subscription_id)
