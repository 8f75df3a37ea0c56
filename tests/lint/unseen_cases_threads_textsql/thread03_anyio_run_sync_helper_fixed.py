# expect: none
# fixed shape for thread03: the helper runs in the worker thread after the commit
import anyio
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Shipment


def notify_warehouse(order_id: int) -> None:
    httpx.post("https://warehouse.example.invalid/picks", json={"order": order_id})


async def ship(session: AsyncSession, order_id: int) -> None:
    async with session.begin():
        session.add(Shipment(order_id=order_id))
    await anyio.to_thread.run_sync(notify_warehouse, order_id)
