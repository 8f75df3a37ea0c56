# expect: side-effect-in-transaction
import threading

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Invitation


def invite(team, email, inviter):
    with transaction.atomic():
        invitation = Invitation.objects.create(team=team, email=email, invited_by=inviter)
        mailer = threading.Thread(
            target=send_mail,
            args=(f"Join {team.name}", invitation.link(), None, [email]),
            daemon=True,
        )
        team.last_invited_at = timezone.now()
        team.save(update_fields=["last_invited_at"])
        mailer.start()  # expect-line
    return invitation
