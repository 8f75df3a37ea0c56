# expect: non-uniform-interface
# pattern: the event services return model data and raise ServiceError, except one that
#          builds a Django JsonResponse with an error status. Its callers must unpack an
#          HTTP response, and callers outside a request cannot use it.
from django.http import JsonResponse

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


def list_tickets(event: Event):  # expect-line
    if not event.published:
        return JsonResponse({"error": f"event {event.pk} is not published"}, status=409)
    return JsonResponse({"tickets": list(event.tickets.values("id", "holder_name"))})
