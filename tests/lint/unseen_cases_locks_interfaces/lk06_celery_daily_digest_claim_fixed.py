# expect: none
# fixed shape for lk06: a conditional UPDATE claims today's run; only one copy gets a row
import datetime

from celery import shared_task

from digests.mail import send_digest_to_everyone
from digests.models import DigestState


@shared_task
def send_daily_digest():
    today = datetime.date.today()
    claimed = (
        DigestState.objects.filter(name="daily")
        .exclude(last_sent=today)
        .update(last_sent=today)
    )
    if not claimed:
        return "already sent"
    send_digest_to_everyone()
    return "sent"
