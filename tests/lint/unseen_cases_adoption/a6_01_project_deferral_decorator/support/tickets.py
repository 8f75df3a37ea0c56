# expect: side-effect-in-transaction
# The project decorator registers only a log line with on_commit and runs the function
# at once, so the mail goes out inside the atomic block, before the ticket commits.
from django.db import transaction

from support.notify import tell_support


def close_ticket(ticket):
    with transaction.atomic():
        ticket.status = "closed"
        ticket.save(update_fields=["status"])
        tell_support("ticket closed")  # via-indirection
