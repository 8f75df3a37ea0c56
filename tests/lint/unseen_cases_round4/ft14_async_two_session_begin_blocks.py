# expect: forgotten-transaction
# pattern: an async service writes the order in one `async with session.begin()` block and
#          its audit entry in a second one; a failing audit insert leaves an order the
#          audit trail never saw
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import AuditEntry, Order


async def place_order(session: AsyncSession, customer_id: int, total: int) -> Order:
    async with session.begin():  # expect-line
        order = Order(customer_id=customer_id, total=total)
        session.add(order)
    async with session.begin():
        session.add(AuditEntry(action="order.placed", subject_id=order.id))
    return order
