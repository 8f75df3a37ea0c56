# expect: none
import smtplib

from reports.db import SessionLocal
from reports.models import Report


def publish_report(report_id, recipients):
    session = SessionLocal()
    report = session.get(Report, report_id)
    report.published = True
    session.flush()
    body = report.body
    session.commit()
    with smtplib.SMTP("127.0.0.1") as smtp:
        smtp.sendmail("reports@example.invalid", recipients, body)
