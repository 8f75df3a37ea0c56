# expect: none
# fixed shape: the payment emits the event once the transaction has committed
from django.core.cache import caches

from .events import bus


def purge_order_pages(payload):
    caches["pages"].delete_many([f"order:{payload['id']}", f"orders:{payload['customer']}"])


bus.on("order.paid", handler=purge_order_pages)
