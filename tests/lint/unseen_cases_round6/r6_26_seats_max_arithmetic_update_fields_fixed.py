# expect: none
# fixed shape: one conditional UPDATE checks and decrements
from django.db.models import F

from events.models import Event


def reserve(event_id, quantity):
    updated = Event.objects.filter(pk=event_id, seats_left__gte=quantity).update(
        seats_left=F("seats_left") - quantity
    )
    if not updated:
        raise ValueError("sold out")
    return Event.objects.get(pk=event_id)
