# expect: none
# fixed shape: the locking queryset is the one that is evaluated
from django.db import transaction

from venues.models import Seat


class SeatUnavailable(Exception):
    pass


def hold_seats(event_id, seat_numbers, customer):
    with transaction.atomic():
        seats = list(Seat.objects.select_for_update().filter(event_id=event_id, number__in=seat_numbers).order_by("pk"))
        if any(seat.held_by_id is not None for seat in seats):
            raise SeatUnavailable(f"one of seats {seat_numbers} is already held")
        for seat in seats:
            seat.held_by = customer
        Seat.objects.bulk_update(seats, ["held_by"])
    return seats
