# expect: side-effect-in-transaction
# pattern: a project helper that calls the warehouse API runs through
#          anyio.to_thread.run_sync inside the session block; the call is indirect
import anyio
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Shipment


def notify_warehouse(order_id: int) -> None:
    httpx.post("https://warehouse.example.invalid/picks", json={"order": order_id})


async def ship(session: AsyncSession, order_id: int) -> None:
    async with session.begin():
        session.add(Shipment(order_id=order_id))
        await anyio.to_thread.run_sync(notify_warehouse, order_id)  # via-indirection
