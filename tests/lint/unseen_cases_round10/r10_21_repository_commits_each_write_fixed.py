# expect: none
# fixed shape for r10_21: repositories only flush, and the service owns the transaction
from sqlalchemy.ext.asyncio import AsyncSession

from hotel.models import Booking, Payment


class BookingRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, booking: Booking) -> Booking:
        self.session.add(booking)
        await self.session.flush()
        return booking


class PaymentRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, payment: Payment) -> Payment:
        self.session.add(payment)
        await self.session.flush()
        return payment


async def reserve_room(session: AsyncSession, guest_id: int, room_id: int, nights: int, amount_cents: int) -> Booking:
    bookings = BookingRepository(session)
    payments = PaymentRepository(session)
    async with session.begin():
        booking = await bookings.add(Booking(guest_id=guest_id, room_id=room_id, nights=nights))
        await payments.add(Payment(booking_id=booking.id, amount_cents=amount_cents, state="pending"))
    return booking
