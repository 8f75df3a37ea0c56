from django.db import transaction

from .events import bus
from .models import Order, Payment


def record_payment(order_id, amount):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        Payment.objects.create(order=order, amount=amount)
        order.paid = True
        order.save(update_fields=["paid"])
        transaction.on_commit(lambda: bus.emit("order.paid", {"id": order.pk, "customer": order.customer_id}))
