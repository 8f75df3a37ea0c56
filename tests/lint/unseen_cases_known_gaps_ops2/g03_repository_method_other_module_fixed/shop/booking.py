from django.db import transaction

from shop.repositories import SeatRepository


class SeatTaken(Exception):
    pass


@transaction.atomic
def claim(seat_id, buyer):
    seats = SeatRepository()
    seat = seats.for_claim(seat_id)
    if seat.holder_id is not None:
        raise SeatTaken(seat_id)
    seat.holder = buyer
    seat.save(update_fields=["holder"])
