# expect: non-uniform-interface
# pattern: the report services return their result, except export_report, which takes
#          on_done and on_error callbacks and returns None. Callers cannot compose it with
#          the others or tell from its return value whether it failed.
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


def export_report(report: Report, fmt: str, on_done, on_error) -> None:  # expect-line
    try:
        content = render_report(report, fmt)
    except ReportError as error:
        on_error(error)
        return
    on_done(upload_export(report, fmt, content))
