# expect: none
# fixed shape for r8_31: the throttle check is part of the UPDATE's WHERE clause, and only
# the request whose UPDATE changed the row sends the mail
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from accounts.tasks import send_reset_email

RESEND_INTERVAL = timedelta(minutes=2)


def request_password_reset(email):
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    now = timezone.now()
    claimed = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(Q(reset_requested_at__isnull=True) | Q(reset_requested_at__lte=now - RESEND_INTERVAL))
        .update(reset_requested_at=now)
    )
    if claimed:
        send_reset_email.delay(user.pk)
