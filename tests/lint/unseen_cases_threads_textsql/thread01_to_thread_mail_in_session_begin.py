# expect: side-effect-in-transaction
# pattern: an async SQLAlchemy session block hands the receipt e-mail to a worker thread
#          with asyncio.to_thread; the thread sends it before the order row is committed
import asyncio

from django.core.mail import send_mail
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Order


async def place_order(session: AsyncSession, customer_email: str, total: int) -> int:
    async with session.begin():
        order = Order(customer_email=customer_email, total=total)
        session.add(order)
        await session.flush()
        await asyncio.to_thread(send_mail, "Order received", f"Total: {total}", None, [customer_email])  # expect-line
    return order.id
