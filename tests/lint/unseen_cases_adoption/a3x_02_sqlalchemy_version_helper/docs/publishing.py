# expect: missing-lock
# SQLAlchemy: the next version number comes from a helper that reads the maximum. Two
# editors who publish at once both store version n + 1.
from sqlalchemy.orm import Session

from docs.models import Version
from docs.numbering import next_version


def publish(session: Session, document_id: int, body: str) -> Version:
    with session.begin():
        version = Version(document_id=document_id, number=next_version(session, document_id), body=body)  # expect-line
        session.add(version)
    return version
