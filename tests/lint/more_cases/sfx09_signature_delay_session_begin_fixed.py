# expect: none
# fixed shape for sfx09: the signature is sent after the block has committed
from celery import signature
from sqlalchemy.orm import sessionmaker

from reports.db import engine
from reports.models import Report

Session = sessionmaker(bind=engine)


def request_report(owner_id, period):
    with Session() as session, session.begin():
        report = Report(owner_id=owner_id, period=period, state="pending")
        session.add(report)
        session.flush()
        report_id = report.id
    signature("reports.build", args=(report_id,)).delay()
    return report_id
