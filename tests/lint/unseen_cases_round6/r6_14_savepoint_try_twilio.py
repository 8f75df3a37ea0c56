# expect: side-effect-in-transaction
# pattern: an SMS sent inside a savepoint that the except clause rolls back; the text
#          announces a booking that was never stored
from django.db import IntegrityError, transaction
from twilio.rest import Client

from bookings.models import Booking

twilio = Client("AC123", "token")


def book_slot(slot, customer):
    booking = None
    with transaction.atomic():
        try:
            with transaction.atomic():
                booking = Booking.objects.create(slot=slot, customer=customer)
                twilio.messages.create(to=customer.phone, from_="+15550100", body=f"Booked {slot}")  # expect-line
        except IntegrityError:
            booking = None
        slot.waitlist.filter(customer=customer).delete()
    return booking
