# expect: none
# fixed shape for r10_27: FOR UPDATE SKIP LOCKED gives each worker a different row
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.models import Job


def claim_next_job(session: Session, worker_id: str) -> Job | None:
    with session.begin():
        job = session.scalars(
            select(Job).where(Job.state == "queued").order_by(Job.created_at).limit(1).with_for_update(skip_locked=True)
        ).first()
        if job is None:
            return None
        job.state = "running"
        job.worker_id = worker_id
        job.started_at = datetime.now(timezone.utc)
    return job
