# expect: missing-lock
# pattern: password-reset mails are throttled by a timestamp on the user; the check and
#          the new timestamp are separate statements, so a burst of requests all pass
#          the check and each sends a mail
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.tasks import send_reset_email

RESEND_INTERVAL = timedelta(minutes=2)


def request_password_reset(email):
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()  # expect-line
    if user is None:
        return
    now = timezone.now()
    if user.reset_requested_at is not None and now - user.reset_requested_at < RESEND_INTERVAL:
        return
    user.reset_requested_at = now
    user.save(update_fields=["reset_requested_at"])
    send_reset_email.delay(user.pk)
