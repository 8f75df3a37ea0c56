# expect: missing-lock
# pattern: a Celery task with acks_late=True can run twice at once, for example when the
#          broker redelivers it after a visibility timeout. Both runs read
#          reminder_sent_at as empty, and the customer gets two reminders.
from celery import shared_task
from django.utils import timezone

from billing.mail import send_payment_reminder
from billing.models import Invoice


@shared_task(acks_late=True)
def remind_unpaid(invoice_id):
    invoice = Invoice.objects.get(pk=invoice_id)  # expect-line
    if invoice.paid or invoice.reminder_sent_at is not None:
        return
    send_payment_reminder(invoice)
    invoice.reminder_sent_at = timezone.now()
    invoice.save(update_fields=["reminder_sent_at"])
