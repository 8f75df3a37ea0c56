# expect: none
# fixed shape: the hook URLs and the payload are read inside the transaction, and the
#              posts start after "async with session.begin()" has committed
import asyncio

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chat.models import Channel, Message, Webhook


async def post_hook(http: aiohttp.ClientSession, url: str, payload: dict) -> int:
    async with http.post(url, json=payload, timeout=aiohttp.ClientTimeout(total=5)) as response:
        return response.status


async def post_message(session: AsyncSession, http: aiohttp.ClientSession, channel_id: int, author_id: int, text: str) -> int:
    async with session.begin():
        message = Message(channel_id=channel_id, author_id=author_id, text=text)
        session.add(message)
        await session.flush()
        hooks = (await session.scalars(select(Webhook).where(Webhook.channel_id == channel_id))).all()
        hook_urls = [hook.url for hook in hooks]
        payload = {"message_id": message.id, "channel_id": channel_id, "text": text}
        await session.execute(update(Channel).where(Channel.id == channel_id).values(last_message_id=message.id))
    await asyncio.gather(*(post_hook(http, url, payload) for url in hook_urls))
    return payload["message_id"]
