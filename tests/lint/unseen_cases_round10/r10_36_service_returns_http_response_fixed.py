# expect: none
# fixed shape for r10_36: list_tickets returns data and raises ServiceError like the
#          other services, and its callers build the HTTP response
from events.errors import ServiceError
from events.models import Event, Ticket


def get_event(event_id: int) -> Event:
    try:
        return Event.objects.get(pk=event_id)
    except Event.DoesNotExist:
        raise ServiceError(f"event {event_id} not found") from None


def get_ticket(event: Event, ticket_id: int) -> Ticket:
    try:
        return event.tickets.get(pk=ticket_id)
    except Ticket.DoesNotExist:
        raise ServiceError(f"ticket {ticket_id} not found for event {event.pk}") from None


def list_tickets(event: Event) -> list[dict]:
    if not event.published:
        raise ServiceError(f"event {event.pk} is not published")
    return list(event.tickets.values("id", "holder_name"))
