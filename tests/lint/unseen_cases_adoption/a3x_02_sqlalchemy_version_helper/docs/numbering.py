# expect: missing-lock
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docs.models import Version


def next_version(session: Session, document_id: int) -> int:
    top = session.scalar(select(func.max(Version.number)).where(Version.document_id == document_id))
    return (top or 0) + 1
