# expect: side-effect-in-transaction
# pattern: a post_save receiver posts a webhook under "if not created:"; status changes of
#          loaded tickets inside atomic() reach it, and new tickets do not
# expect-message: defer it in the receiver support.signals.announce_status (support/signals.py:11) with transaction.on_commit(...)
from django.db import transaction

from support.models import Ticket


def open_ticket(subject):
    with transaction.atomic():
        return Ticket.objects.create(subject=subject)


def file_ticket(subject):
    with transaction.atomic():
        ticket = Ticket(subject=subject)
        ticket.save()
        return ticket


def close_ticket(ticket_id):
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        ticket.status = "closed"
        ticket.save()  # via-indirection


def reopen_ticket(ticket, reason):
    with transaction.atomic():
        ticket.status = "open"
        ticket.save(update_fields=["status"])  # via-indirection
