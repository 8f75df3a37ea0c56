# expect: none
# The update takes the seat only while it is still free: a compare-and-set.
from tickets.errors import SeatTaken
from tickets.models import Seat


def claim(seat_id, buyer):
    seat = Seat.objects.get(pk=seat_id)
    if seat.holder_id is not None:
        raise SeatTaken(seat_id)
    if not Seat.objects.filter(pk=seat.pk, holder__isnull=True).update(holder=buyer):
        raise SeatTaken(seat_id)
