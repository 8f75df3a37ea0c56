# expect: side-effect-in-transaction
# pattern: an event appended to a Redis stream inside atomic(); consumers read the stream
#          at once and load an order whose change is not committed yet
import redis
from django.db import transaction

from orders.models import Order

events = redis.Redis(host="localhost", port=6379, db=3)


def cancel_order(order_id, reason):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.status = "cancelled"
        order.save(update_fields=["status"])
        events.xadd("order-events", {"type": "cancelled", "id": order.pk, "reason": reason})  # expect-line
        order.lines.update(reserved=False)
