# expect: none
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from .tables import credits


async def spend_credits(engine: AsyncEngine, org_id: int, cost: int) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(
            update(credits)
            .where(credits.c.org_id == org_id, credits.c.balance >= cost)
            .values(balance=credits.c.balance - cost)
            .returning(credits.c.balance)
        )
        remaining = result.scalar_one_or_none()
    if remaining is None:
        raise ValueError(f"organisation {org_id} has fewer than {cost} credits")
    return remaining
