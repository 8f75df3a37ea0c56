# expect: missing-lock
# pattern: a periodic Celery task assumes only one copy runs: it reads the last run
#          date, sends the digest and stores today's date; a beat restart or a retry
#          runs two copies and both send
import datetime

from celery import shared_task

from digests.mail import send_digest_to_everyone
from digests.models import DigestState


@shared_task
def send_daily_digest():
    today = datetime.date.today()
    state = DigestState.objects.get(name="daily")  # expect-line
    if state.last_sent == today:
        return "already sent"
    send_digest_to_everyone()
    state.last_sent = today
    state.save(update_fields=["last_sent"])
    return "sent"
