# expect: side-effect-in-transaction
# pattern: a post_save receiver connected with .connect() texts the customer through
#          Twilio; the booking is created inside atomic(), so the text goes out even if
#          the deposit write below fails and rolls the booking back
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from twilio.rest import Client

from bookings.models import Appointment

twilio = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)


def text_confirmation(sender, instance, created, **kwargs):
    if created:
        twilio.messages.create(to=instance.phone, from_=settings.SMS_FROM, body="Booked!")  # expect-line


post_save.connect(text_confirmation, sender=Appointment)


def book(slot, customer, deposit):
    with transaction.atomic():
        appointment = Appointment.objects.create(slot=slot, customer=customer, phone=customer.phone)  # via-indirection
        customer.deposits.create(amount=deposit, appointment=appointment)
    return appointment
