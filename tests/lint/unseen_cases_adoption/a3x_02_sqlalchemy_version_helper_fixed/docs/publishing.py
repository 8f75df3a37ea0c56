# expect: none
# The document row is locked first, so publishers of one document take turns.
from sqlalchemy.orm import Session

from docs.models import Document, Version
from docs.numbering import next_version


def publish(session: Session, document_id: int, body: str) -> Version:
    with session.begin():
        session.get(Document, document_id, with_for_update=True)
        version = Version(document_id=document_id, number=next_version(session, document_id), body=body)
        session.add(version)
    return version
