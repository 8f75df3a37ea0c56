# expect: none
# fixed shape: the manager defers the helper with on_commit(robust=True)
from functools import partial

from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction


def _send_invite(invitation):
    message = EmailMultiAlternatives(
        subject="You are invited",
        body=f"Accept at /invites/{invitation.token}",
        to=[invitation.email],
    )
    message.attach_alternative(f"<a href='/invites/{invitation.token}'>Accept</a>", "text/html")
    message.send()


class InvitationManager(models.Manager):
    def invite(self, team, email):
        with transaction.atomic():
            invitation = self.create(team=team, email=email)
            transaction.on_commit(partial(_send_invite, invitation), robust=True)
            team.pending_invites = models.F("pending_invites") + 1
            team.save(update_fields=["pending_invites"])
        return invitation


class Invitation(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE)
    email = models.EmailField()
    token = models.CharField(max_length=64)

    objects = InvitationManager()
