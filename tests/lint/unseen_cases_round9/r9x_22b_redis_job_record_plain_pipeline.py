# expect: forgotten-transaction
# pattern: a job's hash and its place in the queue are written through a pipeline made
#          with transaction=False, which saves a round trip but runs the commands one by
#          one, so a failed RPUSH leaves a job that no worker will ever take
from redis.asyncio import Redis


async def submit_job(client: Redis, job_id: str, payload: str) -> None:
    async with client.pipeline(transaction=False) as pipe:
        pipe.hset(f"job:{job_id}", mapping={"payload": payload, "state": "queued"})  # expect-line
        pipe.rpush("jobs:queued", job_id)
        await pipe.execute()
