# expect: none
# fixed shape: DECRBY charges atomically; an overdraft is given back and rejected
from fastapi import HTTPException
from redis import asyncio as aioredis

redis_client = aioredis.from_url("redis://localhost:6379/7")


async def charge_quota(api_key: str, cost: int = 1):
    key = f"quota:{api_key}"
    await redis_client.set(key, 1000, nx=True)
    remaining = await redis_client.decrby(key, cost)
    if remaining < 0:
        await redis_client.incrby(key, cost)
        raise HTTPException(status_code=429, detail="quota exhausted")
