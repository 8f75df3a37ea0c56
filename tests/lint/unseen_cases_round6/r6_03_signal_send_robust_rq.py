# expect: side-effect-in-transaction
# pattern: a project signal sent with send_robust() inside atomic(); its receiver enqueues
#          an RQ job that can run before the payment row is committed
from django.db import transaction
from django.dispatch import Signal, receiver
from redis import Redis
from rq import Queue

from payments.models import Payment

payment_captured = Signal()
receipts = Queue("receipts", connection=Redis())


@receiver(payment_captured)
def queue_receipt(sender, payment, **kwargs):
    receipts.enqueue("payments.jobs.render_receipt", payment.pk)  # expect-line


def capture(payment_id, amount):
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        payment.captured_amount = amount
        payment.status = "captured"
        payment.save(update_fields=["captured_amount", "status"])
        payment_captured.send_robust(sender=Payment, payment=payment)  # via-indirection
    return payment
