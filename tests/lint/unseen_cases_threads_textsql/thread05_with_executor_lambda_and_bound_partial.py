# expect: side-effect-in-transaction
# pattern: a pool opened with `with ThreadPoolExecutor() as pool` inside atomic() runs an
#          SMS bound with partial() and a webhook wrapped in a lambda
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import requests
from django.db import transaction

from twilio.rest import Client
from shop.models import Booking

SMS = Client("account-sid", "auth-token")


@transaction.atomic
def confirm_booking(booking_id: int, phone: str) -> None:
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    booking.state = "confirmed"
    booking.save()
    text_guest = partial(SMS.messages.create, to=phone, body="Your booking is confirmed")
    with ThreadPoolExecutor(max_workers=2) as pool:
        pool.submit(text_guest)  # expect-line
        pool.submit(lambda: requests.post("https://hooks.example.invalid/bookings", json={"id": booking_id}))  # expect-line
