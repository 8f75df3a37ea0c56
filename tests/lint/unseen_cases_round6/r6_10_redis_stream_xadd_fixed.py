# expect: none
# fixed shape: the stream entry is added after the commit
from functools import partial

import redis
from django.db import transaction

from orders.models import Order

events = redis.Redis(host="localhost", port=6379, db=3)


def cancel_order(order_id, reason):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.status = "cancelled"
        order.save(update_fields=["status"])
        fields = {"type": "cancelled", "id": order.pk, "reason": reason}
        transaction.on_commit(partial(events.xadd, "order-events", fields))
        order.lines.update(reserved=False)
