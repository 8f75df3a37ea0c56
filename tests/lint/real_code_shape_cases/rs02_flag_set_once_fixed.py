# expect: none
# fixed shape for rs02: the tests only skip a write of the value the flag already has,
# so two callers that both pass them leave the row as one caller would.
from teams.models import Seat


def grant_admin(seat_id, notify):
    seat = Seat.objects.get(pk=seat_id)
    if not seat.is_admin:
        seat.is_admin = True
        seat.save()
    notify(seat)


def revoke_admin(seat_id):
    seat = Seat.objects.get(pk=seat_id)
    if seat.is_admin:
        seat.is_admin = False
        seat.save(update_fields=["is_admin"])
