from django.db import transaction

from helpdesk.models import Ticket, TicketEvent


def close_tickets(ticket_ids, closed_by):
    with transaction.atomic():
        for ticket in Ticket.objects.select_for_update().filter(pk__in=ticket_ids, status=Ticket.OPEN):
            ticket.status = Ticket.CLOSED
            ticket.closed_by = closed_by
            ticket.save()  # via-indirection: WatcherNotificationMixin.save() mails the watchers
            TicketEvent.objects.create(ticket=ticket, kind="closed", actor=closed_by)
