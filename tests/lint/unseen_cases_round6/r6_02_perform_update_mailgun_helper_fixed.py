# expect: none
# fixed shape: the helper call is deferred until the outermost commit
from functools import partial

import requests
from django.conf import settings
from django.db import transaction
from rest_framework import viewsets

from tickets.models import Ticket
from tickets.serializers import TicketSerializer


def mail_assignee(ticket):
    requests.post(
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
            transaction.on_commit(partial(mail_assignee, ticket))
            ticket.history.create(action="reassigned")
