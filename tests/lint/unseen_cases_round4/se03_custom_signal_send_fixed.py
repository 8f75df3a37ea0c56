# expect: none
# fixed shape: the receiver enqueues the task once the transaction commits
from django.db import transaction
from django.dispatch import Signal, receiver

from orders.models import Order
from orders.tasks import send_receipt

order_paid = Signal()


@receiver(order_paid, dispatch_uid="orders.queue_receipt")
def queue_receipt(sender, order, **kwargs):
    order_id = order.pk
    transaction.on_commit(lambda: send_receipt.delay(order_id))


def confirm_payment(order, charge_id):
    with transaction.atomic():
        order.charge_id = charge_id
        order.status = Order.Status.PAID
        order.save(update_fields=["charge_id", "status"])
        order_paid.send(sender=Order, order=order)
