# expect: forgotten-transaction
# pattern: an async checkout commits the order, then commits the payment record; a
#          failing second commit leaves an unpaid order that looks placed
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Order, Payment


async def checkout(session: AsyncSession, cart, charge_id):
    order = Order(customer_id=cart.customer_id, total=cart.total)
    session.add(order)  # expect-line
    await session.commit()
    session.add(Payment(order_id=order.id, charge_id=charge_id, amount=cart.total))
    await session.commit()
    return order.id
