# expect: missing-lock
# The seat is checked free on a copy, then taken with an update that selects the row by
# its key alone. Two buyers both see the seat free, and the later one gets it.
from tickets.errors import SeatTaken
from tickets.models import Seat


def claim(seat_id, buyer):
    seat = Seat.objects.get(pk=seat_id)  # expect-line
    if seat.holder_id is not None:
        raise SeatTaken(seat_id)
    Seat.objects.filter(pk=seat.pk).update(holder=buyer)
