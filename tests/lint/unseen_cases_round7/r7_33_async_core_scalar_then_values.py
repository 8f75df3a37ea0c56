# expect: missing-lock
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from .tables import credits


async def spend_credits(engine: AsyncEngine, org_id: int, cost: int) -> int:
    async with engine.begin() as conn:
        balance = (await conn.execute(select(credits.c.balance).where(credits.c.org_id == org_id))).scalar_one()  # expect-line
        if balance < cost:
            raise ValueError(f"organisation {org_id} has {balance} credits, needs {cost}")
        await conn.execute(
            update(credits).where(credits.c.org_id == org_id).values(balance=balance - cost)
        )
    return balance - cost
