# expect: missing-lock
# pattern: a PostgreSQL-backed job queue picks the oldest queued job with a plain SELECT,
#          so two workers get the same row and both run the job
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.models import Job


def claim_next_job(session: Session, worker_id: str) -> Job | None:
    with session.begin():
        job = session.scalars(select(Job).where(Job.state == "queued").order_by(Job.created_at).limit(1)).first()  # expect-line
        if job is None:
            return None
        job.state = "running"
        job.worker_id = worker_id
        job.started_at = datetime.now(timezone.utc)
    return job
