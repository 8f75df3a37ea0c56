# expect: forgotten-transaction
# pattern: a Celery task marks the order shipped and creates the shipment in two
#          autocommit writes; a retry after a crash between them ships twice
from celery import shared_task

from orders.models import Order, Shipment


@shared_task(bind=True, max_retries=5)
def ship_order(self, order_id, carrier):
    order = Order.objects.get(pk=order_id)
    order.state = "shipped"
    order.save(update_fields=["state"])  # expect-line
    Shipment.objects.create(order=order, carrier=carrier)
