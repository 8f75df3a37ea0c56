# expect: missing-lock
# pattern: a Celery task claims a job by checking its status and setting it to
#          "running"; two workers that get the same message both run the job
from celery import shared_task
from django.db import transaction

from jobs.models import Job


@shared_task
def run_job(job_id):
    with transaction.atomic():
        job = Job.objects.get(pk=job_id)  # expect-line
        if job.status != "queued":
            return
        job.status = "running"
        job.save(update_fields=["status"])
    job.execute()
