# expect: none
# fixed shape: one conditional UPDATE claims the reminder, and only the run that claimed
#              it sends the mail. A send that fails after the claim is not retried.
from celery import shared_task
from django.utils import timezone

from billing.mail import send_payment_reminder
from billing.models import Invoice


@shared_task(acks_late=True)
def remind_unpaid(invoice_id):
    claimed = Invoice.objects.filter(pk=invoice_id, paid=False, reminder_sent_at=None).update(
        reminder_sent_at=timezone.now()
    )
    if not claimed:
        return
    send_payment_reminder(Invoice.objects.get(pk=invoice_id))
