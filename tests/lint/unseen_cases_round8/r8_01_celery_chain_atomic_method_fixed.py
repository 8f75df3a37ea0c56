# expect: none
# fixed shape for r8_01: the chain is built in the block and started by on_commit()
from functools import partial

from celery import chain
from django.db import transaction

from exports.models import Export
from exports.tasks import build_archive, notify_owner, render_reports


class ExportService:
    def __init__(self, user):
        self.user = user

    @transaction.atomic
    def request_export(self, report_ids, file_format="pdf"):
        export = Export.objects.create(owner=self.user, status=Export.PENDING, file_format=file_format)
        export.reports.set(report_ids)
        workflow = chain(
            render_reports.s(export.pk),
            build_archive.s(file_format),
            notify_owner.si(export.pk),
        )
        transaction.on_commit(partial(workflow.apply_async, queue="exports"))
        self.user.profile.last_export = export
        self.user.profile.save(update_fields=["last_export"])
        return export
