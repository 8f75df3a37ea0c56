# expect: none
# fixed shape for sig03: the receiver defers its webhook until the commit
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
        ticket.save()


def reopen_ticket(ticket, reason):
    with transaction.atomic():
        ticket.status = "open"
        ticket.save(update_fields=["status"])
