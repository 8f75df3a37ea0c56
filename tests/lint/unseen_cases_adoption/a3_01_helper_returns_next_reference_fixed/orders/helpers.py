# expect: none
from orders.models import ReferenceCounter


def next_order_reference():
    """Return the next order reference from a counter row locked until the caller's transaction ends."""
    counter = ReferenceCounter.objects.select_for_update().get(name="order")
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value
