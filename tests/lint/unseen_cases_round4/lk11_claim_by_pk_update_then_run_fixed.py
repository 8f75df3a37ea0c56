# expect: none
# fixed shape: select_for_update(skip_locked=True) gives each worker a different job
from django.db import transaction

from jobs.models import Job


def run_next_job():
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(state="queued").order_by("created").first()
        if job is None:
            return None
        Job.objects.filter(pk=job.pk).update(state="running")
    job.execute()
    return job
