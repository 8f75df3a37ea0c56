# expect: forgotten-transaction
import asyncpg


async def move_to_folder(pool: asyncpg.Pool, document_id: int, folder_id: int) -> None:
    async with pool.acquire() as conn:
        await conn.execute(  # expect-line
            "UPDATE documents SET folder_id = $1 WHERE id = $2",
            folder_id,
            document_id,
        )
        await conn.execute(
            "UPDATE folders SET item_count = item_count + 1 WHERE id = $1",
            folder_id,
        )
