# expect: forgotten-transaction
# pattern: a Celery task stores a report file row and then flips the request's status
#          with two autocommit writes; a retry after a crash between them makes a second
#          report row
from celery import shared_task

from reports.builder import render_report
from reports.models import Report, ReportRequest


@shared_task(bind=True, autoretry_for=(IOError,), max_retries=3)
def build_report(self, request_id):
    report_request = ReportRequest.objects.get(pk=request_id)
    path = render_report(report_request)
    Report.objects.create(request=report_request, path=path)  # expect-line
    ReportRequest.objects.filter(pk=request_id).update(status="done")
