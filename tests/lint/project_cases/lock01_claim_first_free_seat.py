# expect: missing-lock
# pattern: the query that finds a free seat is the check; without a row lock two buyers
#          inside their own transactions load the same free seat, both assign it and the
#          later save wins
from django.db import transaction

from events.models import Seat


class SoldOut(Exception):
    pass


@transaction.atomic
def reserve_seat(event, buyer):
    seat = Seat.objects.filter(event=event, holder__isnull=True).order_by("row", "number").first()  # expect-line
    if seat is None:
        raise SoldOut(event.pk)
    seat.holder = buyer
    seat.save(update_fields=["holder"])
    return seat
