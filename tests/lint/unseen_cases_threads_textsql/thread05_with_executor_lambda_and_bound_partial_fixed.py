# expect: none
# fixed shape for thread05: the pool runs after the transaction has committed
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import requests
from django.db import transaction

from twilio.rest import Client
from shop.models import Booking

SMS = Client("account-sid", "auth-token")


def confirm_booking(booking_id: int, phone: str) -> None:
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        booking.state = "confirmed"
        booking.save()
    text_guest = partial(SMS.messages.create, to=phone, body="Your booking is confirmed")
    with ThreadPoolExecutor(max_workers=2) as pool:
        pool.submit(text_guest)
        pool.submit(lambda: requests.post("https://hooks.example.invalid/bookings", json={"id": booking_id}))
