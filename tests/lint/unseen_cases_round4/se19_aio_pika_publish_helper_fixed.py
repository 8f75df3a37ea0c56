# expect: none
# fixed shape: the message is published after the block has committed
import json

import aio_pika
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Order


async def publish_order(channel: aio_pika.abc.AbstractChannel, order: Order) -> None:
    message = aio_pika.Message(body=json.dumps({"id": order.id}).encode())
    await channel.default_exchange.publish(message, routing_key="orders.created")


async def place_order(session: AsyncSession, channel: aio_pika.abc.AbstractChannel, customer_id: int) -> Order:
    async with session.begin():
        order = Order(customer_id=customer_id)
        session.add(order)
        await session.flush()
    await publish_order(channel, order)
    return order
