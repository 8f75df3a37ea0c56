# expect: none
# fixed shape for r10_39: export_report returns the export URL and lets ReportError
#          propagate, like the other services
from reports.errors import ReportError
from reports.models import Report, ScheduledReport
from reports.rendering import render_csv, render_pdf
from reports.storage import upload_export


def render_report(report: Report, fmt: str) -> bytes:
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "csv":
        return render_csv(report)
    raise ReportError(f"unsupported report format {fmt!r}; use 'pdf' or 'csv'")


def schedule_report(report: Report, cron: str, recipients: list[str]) -> ScheduledReport:
    if not recipients:
        raise ReportError(f"report {report.pk} needs at least one recipient")
    return ScheduledReport.objects.create(report=report, cron=cron, recipients=recipients)


def export_report(report: Report, fmt: str) -> str:
    content = render_report(report, fmt)
    return upload_export(report, fmt, content)
