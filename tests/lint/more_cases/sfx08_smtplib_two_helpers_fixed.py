# expect: none
# fixed shape for sfx08: the notifier runs after the commit
from functools import partial
import smtplib
from email.message import EmailMessage

from django.db import transaction

from helpdesk.models import Ticket


def _deliver(message):
    with smtplib.SMTP("localhost", 25) as smtp:
        smtp.send_message(message)


def notify_requester(ticket):
    message = EmailMessage()
    message["To"] = ticket.requester_email
    message["Subject"] = f"Ticket #{ticket.pk} closed"
    message.set_content(ticket.resolution)
    _deliver(message)


def close_ticket(ticket_id, resolution):
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        ticket.resolution = resolution
        ticket.state = "closed"
        ticket.save(update_fields=["resolution", "state"])
        transaction.on_commit(partial(notify_requester, ticket))
