# expect: side-effect-in-transaction
# pattern: the notification is prepared as a functools.partial and called at the end of
#          the atomic() block, which is still before the commit
from functools import partial

from django.core.mail import send_mail
from django.db import transaction

from tickets.models import Ticket


def close_ticket(ticket_id, resolution):
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        ticket.status = Ticket.Status.CLOSED
        ticket.resolution = resolution
        ticket.save(update_fields=["status", "resolution"])
        notify = partial(
            send_mail,
            f"Ticket #{ticket.pk} closed",
            resolution,
            None,
            [ticket.reporter.email],
        )
        notify()  # expect-line
