# expect: none
# fixed shape for tx10: the report row and the status change commit together
from celery import shared_task
from django.db import transaction

from reports.builder import render_report
from reports.models import Report, ReportRequest


@shared_task(bind=True, autoretry_for=(IOError,), max_retries=3)
def build_report(self, request_id):
    report_request = ReportRequest.objects.get(pk=request_id)
    path = render_report(report_request)
    with transaction.atomic():
        Report.objects.create(request=report_request, path=path)
        ReportRequest.objects.filter(pk=request_id).update(status="done")
