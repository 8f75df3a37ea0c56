# expect: forgotten-transaction
# pattern: each repository method commits on its own, so the service's two writes land in
#          separate transactions. A failing payment insert leaves a booking with no payment.
from sqlalchemy.ext.asyncio import AsyncSession

from hotel.models import Booking, Payment


class BookingRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, booking: Booking) -> Booking:
        self.session.add(booking)
        await self.session.commit()
        await self.session.refresh(booking)
        return booking


class PaymentRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, payment: Payment) -> Payment:
        self.session.add(payment)
        await self.session.commit()
        await self.session.refresh(payment)
        return payment


async def reserve_room(session: AsyncSession, guest_id: int, room_id: int, nights: int, amount_cents: int) -> Booking:
    bookings = BookingRepository(session)
    payments = PaymentRepository(session)
    booking = await bookings.add(Booking(guest_id=guest_id, room_id=room_id, nights=nights))  # expect-line
    await payments.add(Payment(booking_id=booking.id, amount_cents=amount_cents, state="pending"))
    return booking
