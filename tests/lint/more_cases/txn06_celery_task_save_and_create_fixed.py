# expect: none
# fixed shape for txn06: the state change and the shipment commit together
from celery import shared_task
from django.db import transaction

from orders.models import Order, Shipment


@shared_task(bind=True, max_retries=5)
def ship_order(self, order_id, carrier):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.state = "shipped"
        order.save(update_fields=["state"])
        Shipment.objects.create(order=order, carrier=carrier)
