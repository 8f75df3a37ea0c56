# expect: none
# fixed shape for thread01: the e-mail leaves after the session block has committed
import asyncio

from django.core.mail import send_mail
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Order


async def place_order(session: AsyncSession, customer_email: str, total: int) -> int:
    async with session.begin():
        order = Order(customer_email=customer_email, total=total)
        session.add(order)
        await session.flush()
    await asyncio.to_thread(send_mail, "Order received", f"Total: {total}", None, [customer_email])
    return order.id
