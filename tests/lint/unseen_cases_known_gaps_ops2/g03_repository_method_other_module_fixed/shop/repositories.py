# expect: none
# fixed shape for g03: the repository method loads the seat with select_for_update(),
#          and the lock lasts until the caller's @transaction.atomic ends
from shop.models import Seat


class SeatRepository:
    def for_claim(self, seat_id):
        seat = Seat.objects.select_for_update().get(pk=seat_id)
        return seat
