# expect: missing-lock
"""Ticket sales for events.

Each event has one Ticket row that counts the seats still for sale.
"""

from pony.orm import db_session

from .models import Ticket


@db_session
def sell_tickets(event_id: int, count: int) -> int:
    ticket = Ticket.get(event_id=event_id)
    if ticket.remaining < count:
        raise ValueError(f"only {ticket.remaining} tickets left")
    ticket.remaining -= count  # expect-line
    return ticket.remaining
