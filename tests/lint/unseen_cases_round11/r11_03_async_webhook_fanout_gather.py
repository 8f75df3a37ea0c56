# expect: side-effect-in-transaction
# pattern: async SQLAlchemy. The channel's webhooks are posted through asyncio.gather()
#          over a generator expression while "async with session.begin()" is still open,
#          so receivers that call back cannot read the message yet, and a failing update
#          after the posts rolls back a message that the receivers already got.
import asyncio

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chat.models import Channel, Message, Webhook


async def post_hook(http: aiohttp.ClientSession, url: str, payload: dict) -> int:
    async with http.post(url, json=payload, timeout=aiohttp.ClientTimeout(total=5)) as response:  # expect-line
        return response.status


async def post_message(session: AsyncSession, http: aiohttp.ClientSession, channel_id: int, author_id: int, text: str) -> int:
    async with session.begin():
        message = Message(channel_id=channel_id, author_id=author_id, text=text)
        session.add(message)
        await session.flush()
        hooks = (await session.scalars(select(Webhook).where(Webhook.channel_id == channel_id))).all()
        payload = {"message_id": message.id, "channel_id": channel_id, "text": text}
        await asyncio.gather(*(post_hook(http, hook.url, payload) for hook in hooks))  # via-indirection
        await session.execute(update(Channel).where(Channel.id == channel_id).values(last_message_id=message.id))
    return payload["message_id"]
