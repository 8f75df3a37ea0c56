# expect: missing-lock
# pattern: querysets are lazy. The select_for_update() statement meant to lock the seats
#          is never evaluated, so no SELECT ... FOR UPDATE runs, and the read below takes
#          no lock. Two customers can hold the same seat.
from django.db import transaction

from venues.models import Seat


class SeatUnavailable(Exception):
    pass


def hold_seats(event_id, seat_numbers, customer):
    with transaction.atomic():
        Seat.objects.select_for_update().filter(event_id=event_id, number__in=seat_numbers)
        seats = list(Seat.objects.filter(event_id=event_id, number__in=seat_numbers))  # expect-line
        if any(seat.held_by_id is not None for seat in seats):
            raise SeatUnavailable(f"one of seats {seat_numbers} is already held")
        for seat in seats:
            seat.held_by = customer
        Seat.objects.bulk_update(seats, ["held_by"])
    return seats
