# expect: side-effect-in-transaction
# pattern: a project decorator wraps the function in transaction.atomic(). Nothing in the
#          function mentions a transaction, and the SMS goes out before the COMMIT.
from functools import wraps

from django.conf import settings
from django.db import transaction
from twilio.rest import Client

from clinic.models import Appointment, Slot

twilio = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)


def transactional(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic():
            return func(*args, **kwargs)

    return wrapper


@transactional
def book_appointment(patient, slot_id, reminder_offsets):
    slot = Slot.objects.select_for_update().get(pk=slot_id, booked=False)
    slot.booked = True
    slot.save(update_fields=["booked"])
    appointment = Appointment.objects.create(patient=patient, slot=slot)
    twilio.messages.create(to=patient.phone, from_=settings.TWILIO_FROM, body=f"Booked for {slot.starts_at:%d %b %H:%M}")  # expect-line
    for offset in reminder_offsets:
        appointment.reminders.create(send_at=slot.starts_at - offset)
    return appointment
