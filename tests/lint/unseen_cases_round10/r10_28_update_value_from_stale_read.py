# expect: missing-lock
# pattern: the stock level is read, checked in Python and written back by an UPDATE whose
#          new value was computed from that read. Concurrent reservations oversell.
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.models import StockLevel


class OutOfStock(Exception):
    pass


async def reserve(session: AsyncSession, sku: str, quantity: int) -> None:
    async with session.begin():
        available = await session.scalar(select(StockLevel.available).where(StockLevel.sku == sku))  # expect-line
        if available is None or available < quantity:
            raise OutOfStock(f"{sku}: fewer than {quantity} available")
        await session.execute(update(StockLevel).where(StockLevel.sku == sku).values(available=available - quantity))
