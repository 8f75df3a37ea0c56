# expect: missing-lock
"""Stock reservations for the checkout."""
import asyncpg


class OutOfStock(Exception):
    pass


async def reserve(conn: asyncpg.Connection, sku: str, wanted: int) -> None:
    async with conn.transaction():
        qty = await conn.fetchval("SELECT qty FROM inventory WHERE sku = $1", sku)  # expect-line
        if qty < wanted:
            raise OutOfStock(sku)
        await conn.execute("UPDATE inventory SET qty = $1 WHERE sku = $2", qty - wanted, sku)
