# expect: side-effect-in-transaction
# pattern: a project-defined signal is sent inside atomic(); its receiver, registered
#          with @receiver, enqueues the receipt task, which can run before the payment
#          commits and read the order as unpaid
from django.db import transaction
from django.dispatch import Signal, receiver

from orders.models import Order
from orders.tasks import send_receipt

order_paid = Signal()


@receiver(order_paid, dispatch_uid="orders.queue_receipt")
def queue_receipt(sender, order, **kwargs):
    send_receipt.delay(order.pk)  # expect-line


def confirm_payment(order, charge_id):
    with transaction.atomic():
        order.charge_id = charge_id
        order.status = Order.Status.PAID
        order.save(update_fields=["charge_id", "status"])
        order_paid.send(sender=Order, order=order)  # via-indirection
