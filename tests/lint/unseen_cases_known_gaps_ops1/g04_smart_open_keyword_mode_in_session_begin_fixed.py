# expect: none
import csv

from smart_open import open as open_uri
from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.models import Export, Sale


def export_month(session: Session, month: str, bucket_uri: str, template_uri: str) -> Export:
    with session.begin():
        rows = session.scalars(select(Sale).where(Sale.month == month)).all()
        with open_uri(template_uri, mode="r", encoding="utf-8") as template:
            header = next(csv.reader(template))
        export = Export(month=month, row_count=len(rows), uri=f"{bucket_uri}/{month}.csv")
        session.add(export)
    with open_uri(export.uri, mode="w", encoding="utf-8") as remote:
        writer = csv.writer(remote)
        writer.writerow(header)
        for sale in rows:
            writer.writerow([sale.id, sale.amount])
    return export
