# expect: side-effect-in-transaction
# pattern: a Dramatiq message sent with send_with_options() for each row of a batch,
#          inside the atomic block that creates the rows; a delay is not a fix
import dramatiq
from django.db import transaction

from exports.models import ExportJob


@dramatiq.actor(max_retries=3)
def build_export(job_id):
    ...


def schedule_exports(account, formats):
    with transaction.atomic():
        for fmt in formats:
            job = ExportJob.objects.create(account=account, fmt=fmt)
            build_export.send_with_options(args=(job.pk,), delay=5_000)  # expect-line
        account.exports.filter(state="stale").delete()
