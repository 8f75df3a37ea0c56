from django.db import transaction
from django.utils import timezone

from integrations import exporters
from orders.models import Order


def export_order(order_id, target):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.exported_at is not None:
            return
        order.exported_at = timezone.now()
        order.save(update_fields=["exported_at"])
        exporter = getattr(exporters, f"export_{target}")
        exporter(order)  # via-indirection
