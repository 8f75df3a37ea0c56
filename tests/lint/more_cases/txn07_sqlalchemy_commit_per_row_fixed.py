# expect: none
# fixed shape for txn07: one transaction for the batch and its rows
from sqlalchemy.orm import Session

from imports.models import Batch, Row


def import_file(session: Session, name, records):
    with session.begin():
        batch = Batch(name=name, state="imported")
        session.add(batch)
        session.flush()
        session.add_all([Row(batch_id=batch.id, payload=record) for record in records])
    return batch.id
