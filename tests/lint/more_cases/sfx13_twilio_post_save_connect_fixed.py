# expect: none
# fixed shape for sfx13: the receiver defers the text until the commit
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from twilio.rest import Client

from bookings.models import Appointment

twilio = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)


def text_confirmation(sender, instance, created, **kwargs):
    if created:
        phone = instance.phone
        transaction.on_commit(
            lambda: twilio.messages.create(to=phone, from_=settings.SMS_FROM, body="Booked!")
        )


post_save.connect(text_confirmation, sender=Appointment)


def book(slot, customer, deposit):
    with transaction.atomic():
        appointment = Appointment.objects.create(slot=slot, customer=customer, phone=customer.phone)
        customer.deposits.create(amount=deposit, appointment=appointment)
    return appointment
