# expect: side-effect-in-transaction
# pattern: an async helper in its own module enqueues arq jobs, and the FastAPI endpoint
#          awaits it inside "async with session.begin()". The worker can pick the job up
#          before the photo row is committed, and a failing album update rolls back a
#          photo whose thumbnails are already queued.
from arq.connections import ArqRedis


async def schedule_thumbnails(pool: ArqRedis, photo_id: int, sizes: list[int]) -> None:
    for size in sizes:
        await pool.enqueue_job("render_thumbnail", photo_id, size, _job_id=f"thumb-{photo_id}-{size}")  # expect-line
