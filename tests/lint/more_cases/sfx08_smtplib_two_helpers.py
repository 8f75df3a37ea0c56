# expect: side-effect-in-transaction
# pattern: closing a ticket calls a notifier, which calls a delivery helper that talks
#          SMTP; the mail goes out two calls away from the atomic block
import smtplib
from email.message import EmailMessage

from django.db import transaction

from helpdesk.models import Ticket


def _deliver(message):
    with smtplib.SMTP("localhost", 25) as smtp:
        smtp.send_message(message)  # expect-line


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
        notify_requester(ticket)  # via-indirection
