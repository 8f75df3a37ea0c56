# expect: none
# fixed shape: the session row is locked first, so bookings for it are counted one at a time
from django.db import transaction

from studio.models import Booking, Session


class SessionFull(Exception):
    pass


def book_place(session_id, member):
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session_id)
        taken = Booking.objects.filter(session=session).count()
        if taken >= session.capacity:
            raise SessionFull(session_id)
        return Booking.objects.create(session=session, member=member)
