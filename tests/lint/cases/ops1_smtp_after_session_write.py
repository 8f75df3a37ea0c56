# expect: side-effect-in-transaction
# pattern: smtplib e-mail sent after a session write, before commit()
import smtplib

from reports.db import SessionLocal
from reports.models import Report


def publish_report(report_id, recipients):
    session = SessionLocal()
    report = session.get(Report, report_id)
    report.published = True
    session.flush()
    with smtplib.SMTP("127.0.0.1") as smtp:
        smtp.sendmail("reports@example.invalid", recipients, report.body)  # expect-line
    session.commit()
