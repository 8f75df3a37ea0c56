# expect: none
# fixed shape for lock10: the event row is locked for the check and the decrement
from django.db import models, transaction


class Event(models.Model):
    seats_left = models.PositiveIntegerField()

    @transaction.atomic
    def book(self, attendee):
        event = Event.objects.select_for_update().get(pk=self.pk)
        if event.seats_left == 0:
            raise ValueError("sold out")
        event.seats_left = event.seats_left - 1
        event.save(update_fields=["seats_left"])
        return event.bookings.create(attendee=attendee)
