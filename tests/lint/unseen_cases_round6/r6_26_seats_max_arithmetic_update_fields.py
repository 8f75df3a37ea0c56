# expect: missing-lock
# pattern: seats reduced in Python with max() and saved with update_fields; two bookings
#          read the same count, both pass the check, and the later save wins
from django.db import transaction

from events.models import Event


def reserve(event_id, quantity):
    with transaction.atomic():
        event = Event.objects.get(pk=event_id)  # expect-line
        if event.seats_left < quantity:
            raise ValueError("sold out")
        event.seats_left = max(event.seats_left - quantity, 0)  # expect-line
        event.save(update_fields=["seats_left"])
    return event
