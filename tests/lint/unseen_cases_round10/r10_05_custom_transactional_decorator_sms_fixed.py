# expect: none
# fixed shape for r10_05: the SMS is deferred until the transaction opened by the
#          decorator commits
from functools import partial, wraps

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
    transaction.on_commit(
        partial(twilio.messages.create, to=patient.phone, from_=settings.TWILIO_FROM, body=f"Booked for {slot.starts_at:%d %b %H:%M}")
    )
    for offset in reminder_offsets:
        appointment.reminders.create(send_at=slot.starts_at - offset)
    return appointment
