# expect: missing-lock
# pattern: a model method decrements the remaining seats of an event inside
#          @transaction.atomic, reading the row without select_for_update()
from django.db import models, transaction


class Event(models.Model):
    seats_left = models.PositiveIntegerField()

    @transaction.atomic
    def book(self, attendee):
        event = Event.objects.get(pk=self.pk)
        if event.seats_left == 0:
            raise ValueError("sold out")
        event.seats_left = event.seats_left - 1  # expect-line
        event.save(update_fields=["seats_left"])
        return event.bookings.create(attendee=attendee)
