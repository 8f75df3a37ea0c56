# expect: missing-lock
# pattern: capacity checked with count() and a booking inserted after it; two requests both
#          see one free place and the class is overbooked
from django.db import transaction

from studio.models import Booking, Session


class SessionFull(Exception):
    pass


def book_place(session_id, member):
    with transaction.atomic():
        session = Session.objects.get(pk=session_id)
        taken = Booking.objects.filter(session=session).count()  # expect-line
        if taken >= session.capacity:
            raise SessionFull(session_id)
        return Booking.objects.create(session=session, member=member)  # expect-line
