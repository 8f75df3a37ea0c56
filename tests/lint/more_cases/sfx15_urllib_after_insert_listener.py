# expect: side-effect-in-transaction
# pattern: an SQLAlchemy mapper event (after_insert) calls a partner webhook with
#          urllib; mapper events run during the flush, inside the transaction
import json
from urllib.request import Request, urlopen

from sqlalchemy import event

from shop.models import Order

PARTNER_HOOK = "https://partner.invalid/hooks/orders"


@event.listens_for(Order, "after_insert")
def tell_partner(mapper, connection, target):
    body = json.dumps({"order": target.id, "total": str(target.total)}).encode()
    request = Request(PARTNER_HOOK, data=body, headers={"Content-Type": "application/json"})
    urlopen(request, timeout=5)  # expect-line
