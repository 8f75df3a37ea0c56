# expect: none
# fixed shape for g04: _claim_batches() yields each batch after the block that claims it
#          has committed
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from reminders.models import Reminder


def _claim_batches(size):
    while True:
        with transaction.atomic():
            batch = list(Reminder.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)[:size])
            if not batch:
                return
            Reminder.objects.filter(pk__in=[reminder.pk for reminder in batch]).update(sent_at=timezone.now())
        yield batch


def due_reminders(size=200):
    yield from _claim_batches(size)


def send_due_reminders():
    for batch in due_reminders():
        for reminder in batch:
            send_mail(reminder.subject, reminder.body, None, [reminder.email])
