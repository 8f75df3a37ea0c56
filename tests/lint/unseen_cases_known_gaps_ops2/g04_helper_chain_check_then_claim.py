# expect: missing-lock
# pattern: a job is loaded by a helper that calls another helper, which runs a plain
#          select; the worker checks the state and claims the job inside session.begin(),
#          so two workers can both start it
from sqlalchemy import select

from jobs.models import Job


def _job_row(session, job_id):
    return session.execute(select(Job).where(Job.id == job_id)).scalar_one()


def load_job(session, job_id):
    return _job_row(session, job_id)


def start(session, job_id, worker):
    with session.begin():
        job = load_job(session, job_id)  # expect-line
        if job.state != "queued":
            return False
        job.state = "running"
        job.worker = worker
    return True
