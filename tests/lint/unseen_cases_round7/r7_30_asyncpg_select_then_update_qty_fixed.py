# expect: none
import asyncpg


class OutOfStock(Exception):
    pass


async def reserve(conn: asyncpg.Connection, sku: str, wanted: int) -> None:
    async with conn.transaction():
        status = await conn.execute(
            "UPDATE inventory SET qty = qty - $1 WHERE sku = $2 AND qty >= $1",
            wanted,
            sku,
        )
        if status == "UPDATE 0":
            raise OutOfStock(sku)
