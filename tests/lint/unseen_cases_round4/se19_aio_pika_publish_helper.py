# expect: side-effect-in-transaction
# pattern: an async service flushes the order to get its id and awaits a helper that
#          publishes it with aio-pika, all inside `async with session.begin()`; consumers
#          look the order up before it commits
import json

import aio_pika
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Order


async def publish_order(channel: aio_pika.abc.AbstractChannel, order: Order) -> None:
    message = aio_pika.Message(body=json.dumps({"id": order.id}).encode())
    await channel.default_exchange.publish(message, routing_key="orders.created")  # expect-line


async def place_order(session: AsyncSession, channel: aio_pika.abc.AbstractChannel, customer_id: int) -> Order:
    async with session.begin():
        order = Order(customer_id=customer_id)
        session.add(order)
        await session.flush()
        await publish_order(channel, order)  # via-indirection
    return order
