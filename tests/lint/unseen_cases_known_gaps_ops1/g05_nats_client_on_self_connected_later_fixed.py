# expect: none
import asyncio
import json

import asyncpg
import nats


class ShipmentService:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def mark_shipped(self, shipment_id: int, carrier: str) -> None:
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute(
                    "UPDATE shipments SET state = 'shipped', carrier = $1 WHERE id = $2",
                    carrier,
                    shipment_id,
                )
            payload = json.dumps({"shipment": shipment_id, "carrier": carrier}).encode()
            await self.nc.publish("shipments.shipped", payload)

    async def connect(self, url: str) -> None:
        self.nc = await asyncio.wait_for(nats.connect(url), timeout=10)
