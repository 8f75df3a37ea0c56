# expect: none
# fixed shape: each message is sent after the commit; partial() binds this row's id
from functools import partial

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
            transaction.on_commit(partial(build_export.send_with_options, args=(job.pk,), delay=5_000))
        account.exports.filter(state="stale").delete()
