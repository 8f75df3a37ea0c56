# expect: side-effect-in-transaction
# pattern: a DRF perform_update() under @atomic calls a module helper that sends mail
#          through the Mailgun HTTP API; a later write can still roll back
import requests
from django.conf import settings
from django.db import transaction
from rest_framework import viewsets

from tickets.models import Ticket
from tickets.serializers import TicketSerializer


def mail_assignee(ticket):
    requests.post(  # expect-line
        f"https://api.mailgun.net/v3/{settings.MAILGUN_DOMAIN}/messages",
        auth=("api", settings.MAILGUN_KEY),
        data={"to": ticket.assignee.email, "subject": f"Ticket {ticket.pk} assigned to you"},
        timeout=10,
    )


class TicketViewSet(viewsets.ModelViewSet):
    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer

    @transaction.atomic
    def perform_update(self, serializer):
        previous = serializer.instance.assignee_id
        ticket = serializer.save()
        if ticket.assignee_id != previous:
            mail_assignee(ticket)  # via-indirection
            ticket.history.create(action="reassigned")
