# expect: none
import json

import asyncpg
import nats


async def close_ticket(pool: asyncpg.Pool, nc: nats.NATS, ticket_id: int, agent: str) -> None:
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute(
                "UPDATE tickets SET state = 'closed', closed_by = $1 WHERE id = $2",
                agent,
                ticket_id,
            )
            await conn.execute("INSERT INTO ticket_events (ticket_id, kind) VALUES ($1, 'closed')", ticket_id)
    payload = json.dumps({"ticket": ticket_id, "by": agent}).encode()
    await nc.publish("tickets.closed", payload)
