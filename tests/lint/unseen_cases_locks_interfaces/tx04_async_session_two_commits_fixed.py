# expect: none
# fixed shape for tx04: one transaction, a flush to get the order id
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Order, Payment


async def checkout(session: AsyncSession, cart, charge_id):
    async with session.begin():
        order = Order(customer_id=cart.customer_id, total=cart.total)
        session.add(order)
        await session.flush()
        session.add(Payment(order_id=order.id, charge_id=charge_id, amount=cart.total))
    return order.id
