# expect: missing-lock
# pattern: a repository method in another module binds a seat loaded without a lock and
#          returns it; the booking service checks the holder and claims the seat, so two
#          buyers can both pass the check
from shop.models import Seat


class SeatRepository:
    def for_claim(self, seat_id):
        seat = Seat.objects.get(pk=seat_id)
        return seat
