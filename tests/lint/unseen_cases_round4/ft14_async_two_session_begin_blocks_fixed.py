# expect: none
# fixed shape: the order and its audit entry commit in one block
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import AuditEntry, Order


async def place_order(session: AsyncSession, customer_id: int, total: int) -> Order:
    async with session.begin():
        order = Order(customer_id=customer_id, total=total)
        session.add(order)
        await session.flush()
        session.add(AuditEntry(action="order.placed", subject_id=order.id))
    return order
