# expect: missing-lock
# expect-message: where(Flight.id == flight.id, Flight.free_seats >= seats)
# An async SQLAlchemy session reads the free seats of a flight, checks them against the
# request, and subtracts in SQL. Two bookings can both pass the check.
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from flights.errors import SoldOut
from flights.models import Flight


async def book(session: AsyncSession, flight_id: int, seats: int) -> None:
    async with session.begin():
        flight = await session.get(Flight, flight_id)  # expect-line
        if seats > flight.free_seats:
            raise SoldOut(flight_id)
        await session.execute(update(Flight).where(Flight.id == flight.id).values(free_seats=Flight.free_seats - seats))
