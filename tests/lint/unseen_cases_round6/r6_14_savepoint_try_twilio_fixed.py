# expect: none
# fixed shape: on_commit() inside the savepoint; Django drops the callback when the
#          savepoint rolls back and runs it after the outer commit otherwise
from functools import partial

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
                transaction.on_commit(
                    partial(twilio.messages.create, to=customer.phone, from_="+15550100", body=f"Booked {slot}")
                )
        except IntegrityError:
            booking = None
        slot.waitlist.filter(customer=customer).delete()
    return booking
