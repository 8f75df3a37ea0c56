# expect: none
# fixed shape for r10_28: one conditional UPDATE checks and decrements in the database
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.models import StockLevel


class OutOfStock(Exception):
    pass


async def reserve(session: AsyncSession, sku: str, quantity: int) -> None:
    async with session.begin():
        result = await session.execute(
            update(StockLevel)
            .where(StockLevel.sku == sku, StockLevel.available >= quantity)
            .values(available=StockLevel.available - quantity)
        )
        if result.rowcount == 0:
            raise OutOfStock(f"{sku}: fewer than {quantity} available")
