# expect: none
# fixed shape for sfx15: the insert listener only records the id; an after_commit
# session listener calls the webhook once the rows are durable
import json
from urllib.request import Request, urlopen

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from shop.models import Order

PARTNER_HOOK = "https://partner.invalid/hooks/orders"


@event.listens_for(Order, "after_insert")
def remember_order(mapper, connection, target):
    object_session(target).info.setdefault("new_orders", []).append(target.id)


@event.listens_for(Session, "after_commit")
def tell_partner(session):
    for order_id in session.info.pop("new_orders", []):
        body = json.dumps({"order": order_id}).encode()
        urlopen(Request(PARTNER_HOOK, data=body), timeout=5)
