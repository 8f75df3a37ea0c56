# expect: none
# fixed shape for g04: the innermost helper's select takes the row lock with
#          with_for_update(), held until session.begin() ends
from sqlalchemy import select

from jobs.models import Job


def _job_row(session, job_id):
    return session.execute(select(Job).where(Job.id == job_id).with_for_update()).scalar_one()


def load_job(session, job_id):
    return _job_row(session, job_id)


def start(session, job_id, worker):
    with session.begin():
        job = load_job(session, job_id)
        if job.state != "queued":
            return False
        job.state = "running"
        job.worker = worker
    return True
