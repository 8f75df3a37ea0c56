# expect: none
# fixed shape for thread02: the webhook is posted once the refund is committed
import asyncio
import functools

import requests
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models import Refund

WEBHOOK_URL = "https://hooks.example.invalid/refunds"


async def refund(session: AsyncSession, payment_id: int, amount: int) -> None:
    loop = asyncio.get_running_loop()
    async with session.begin():
        session.add(Refund(payment_id=payment_id, amount=amount))
    await loop.run_in_executor(None, functools.partial(requests.post, WEBHOOK_URL, json={"payment": payment_id}, timeout=5))
