# expect: none
# fixed shape for lock08: a conditional UPDATE claims the job; only one worker gets 1 row
from celery import shared_task

from jobs.models import Job


@shared_task
def run_job(job_id):
    claimed = Job.objects.filter(pk=job_id, status="queued").update(status="running")
    if not claimed:
        return
    Job.objects.get(pk=job_id).execute()
