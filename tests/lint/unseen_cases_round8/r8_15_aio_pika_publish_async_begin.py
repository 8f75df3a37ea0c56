# expect: side-effect-in-transaction
# pattern: an async booking service publishes "booking.confirmed" to RabbitMQ through
#          aio-pika inside `async with self.session.begin()`; consumers act on a
#          confirmation that the database may still roll back
import json

import aio_pika
from aio_pika.abc import AbstractExchange
from sqlalchemy.ext.asyncio import AsyncSession

from bookings.errors import BookingNotFound, BookingNotPending
from bookings.models import Booking, BookingEvent


class BookingService:
    def __init__(self, session: AsyncSession, exchange: AbstractExchange):
        self.session = session
        self.exchange = exchange

    async def confirm(self, booking_id: int, confirmed_by: int) -> Booking:
        async with self.session.begin():
            booking = await self.session.get(Booking, booking_id, with_for_update=True)
            if booking is None:
                raise BookingNotFound(booking_id)
            if booking.status != "pending":
                raise BookingNotPending(booking_id, booking.status)
            booking.status = "confirmed"
            self.session.add(BookingEvent(booking_id=booking.id, kind="confirmed", actor_id=confirmed_by))
            message = aio_pika.Message(
                body=json.dumps({"booking_id": booking.id, "room_id": booking.room_id}).encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            )
            await self.exchange.publish(message, routing_key="booking.confirmed")  # expect-line
        return booking
