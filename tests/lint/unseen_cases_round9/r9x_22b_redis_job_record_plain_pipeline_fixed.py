# expect: none
# fixed shape for r9x_22b: the pipeline runs its commands as one MULTI/EXEC
from redis.asyncio import Redis


async def submit_job(client: Redis, job_id: str, payload: str) -> None:
    async with client.pipeline(transaction=True) as pipe:
        pipe.hset(f"job:{job_id}", mapping={"payload": payload, "state": "queued"})
        pipe.rpush("jobs:queued", job_id)
        await pipe.execute()
