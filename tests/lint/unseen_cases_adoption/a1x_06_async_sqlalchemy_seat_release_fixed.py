# expect: none
# The seats are taken only while enough are free: the WHERE clause repeats the check.
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from flights.errors import SoldOut
from flights.models import Flight


async def book(session: AsyncSession, flight_id: int, seats: int) -> None:
    async with session.begin():
        flight = await session.get(Flight, flight_id)
        if seats > flight.free_seats:
            raise SoldOut(flight_id)
        result = await session.execute(
            update(Flight).where(Flight.id == flight.id, Flight.free_seats >= seats).values(free_seats=Flight.free_seats - seats)
        )
        if result.rowcount == 0:
            raise SoldOut(flight_id)
