# expect: side-effect-in-transaction
# pattern: a Celery task captures a payment inside atomic() and schedules the invoice
#          task with apply_async(link=...) before the block ends; the invoice worker can
#          run before COMMIT and find the payment still AUTHORIZED
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from payments.models import LedgerEntry, Payment
from payments.tasks_invoices import email_invoice, issue_invoice


@shared_task(bind=True, max_retries=5, acks_late=True)
def capture_payment(self, payment_id):
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != Payment.AUTHORIZED:
            return
        payment.status = Payment.CAPTURED
        payment.captured_at = timezone.now()
        payment.save(update_fields=["status", "captured_at"])
        LedgerEntry.objects.create(payment=payment, account="revenue", amount=payment.amount)
        issue_invoice.apply_async((payment.order_id,), link=email_invoice.s())  # expect-line
