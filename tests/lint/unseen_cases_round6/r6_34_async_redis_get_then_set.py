# expect: missing-lock
# pattern: a redis.asyncio GET then SET of a quota counter in a FastAPI dependency; two
#          requests read the same remainder and one charge is lost
from fastapi import HTTPException
from redis import asyncio as aioredis

redis_client = aioredis.from_url("redis://localhost:6379/7")


async def charge_quota(api_key: str, cost: int = 1):
    raw = await redis_client.get(f"quota:{api_key}")  # expect-line
    remaining = int(raw or 1000)
    if remaining < cost:
        raise HTTPException(status_code=429, detail="quota exhausted")
    await redis_client.set(f"quota:{api_key}", remaining - cost)  # expect-line
