# expect: side-effect-in-transaction
# pattern: a handler subscribed to the project's event bus deletes the cached order pages.
#          The payment emits the event inside atomic(), so a request between the delete and
#          the COMMIT renders the unpaid order and caches it again.
from django.core.cache import caches

from .events import bus


def purge_order_pages(payload):
    caches["pages"].delete_many([f"order:{payload['id']}", f"orders:{payload['customer']}"])  # expect-line


bus.on("order.paid", handler=purge_order_pages)
