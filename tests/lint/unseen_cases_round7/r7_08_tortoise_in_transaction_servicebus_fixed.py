# expect: none
from azure.servicebus import ServiceBusMessage
from azure.servicebus.aio import ServiceBusClient
from tortoise.transactions import in_transaction

from .models import Booking, Room

CONNECTION = "Endpoint=sb://bookings.servicebus.windows.net/"


async def book_room(room_id: int, guest: str) -> Booking:
    async with in_transaction():
        room = await Room.get(id=room_id)
        booking = await Booking.create(room=room, guest=guest)
        room.booked = True
        await room.save(update_fields=["booked"])
    async with ServiceBusClient.from_connection_string(CONNECTION) as bus:
        sender = bus.get_queue_sender("bookings")
        async with sender:
            await sender.send_messages(ServiceBusMessage(str(booking.id)))
    return booking
