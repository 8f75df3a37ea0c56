# expect: side-effect-in-transaction
# pattern: SQLAlchemy "with Session() as s, s.begin():" and a Celery signature sent from
#          inside it; the worker may look the report up before the INSERT commits
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
        signature("reports.build", args=(report.id,)).delay()  # expect-line
    return report.id
