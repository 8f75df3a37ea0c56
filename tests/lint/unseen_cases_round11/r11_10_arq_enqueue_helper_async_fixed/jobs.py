# expect: none
# fixed shape: unchanged helper, the endpoint awaits it after the transaction commits
from arq.connections import ArqRedis


async def schedule_thumbnails(pool: ArqRedis, photo_id: int, sizes: list[int]) -> None:
    for size in sizes:
        await pool.enqueue_job("render_thumbnail", photo_id, size, _job_id=f"thumb-{photo_id}-{size}")
