# expect: none
# fixed shape for lock01: the free seat is locked, and seats other buyers hold are skipped
from django.db import transaction

from events.models import Seat


class SoldOut(Exception):
    pass


@transaction.atomic
def reserve_seat(event, buyer):
    seat = (
        Seat.objects.select_for_update(skip_locked=True)
        .filter(event=event, holder__isnull=True)
        .order_by("row", "number")
        .first()
    )
    if seat is None:
        raise SoldOut(event.pk)
    seat.holder = buyer
    seat.save(update_fields=["holder"])
    return seat
