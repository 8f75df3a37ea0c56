# expect: forgotten-transaction
# pattern: an import commits after the batch header and again after the rows; a bad row
#          leaves a batch marked imported with half of its rows
from sqlalchemy.orm import Session

from imports.models import Batch, Row


def import_file(session: Session, name, records):
    batch = Batch(name=name, state="imported")
    session.add(batch)  # expect-line
    session.commit()
    session.add_all([Row(batch_id=batch.id, payload=record) for record in records])
    session.commit()
    return batch.id
