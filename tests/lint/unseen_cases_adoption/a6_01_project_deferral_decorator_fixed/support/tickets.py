# expect: none
# The project decorator hands each call to on_commit, so the mail waits for the commit.
from django.db import transaction

from support.notify import tell_support


def close_ticket(ticket):
    with transaction.atomic():
        ticket.status = "closed"
        ticket.save(update_fields=["status"])
        tell_support("ticket closed")
