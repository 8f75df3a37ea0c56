# expect: missing-lock
# pattern: a worker picks the oldest queued job without a lock and marks it running with
#          an update() by primary key; two workers pick the same job and both run it
from django.db import transaction

from jobs.models import Job


def run_next_job():
    with transaction.atomic():
        job = Job.objects.filter(state="queued").order_by("created").first()  # expect-line
        if job is None:
            return None
        Job.objects.filter(pk=job.pk).update(state="running")
    job.execute()
    return job
