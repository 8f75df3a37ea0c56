# expect: none
import csv

from django.db import transaction
from ninja import Router
from smart_open import open as s3_open

from .models import Export, Row

router = Router()


@router.post("/exports/{report_id}")
def export_report(request, report_id: int):
    rows = list(Row.objects.filter(report_id=report_id).values_list("name", "value"))
    key = f"{request.user.pk}-{report_id}"
    uri = f"s3://exports-bucket/{key}.csv"
    with s3_open(uri, "w") as out:
        writer = csv.writer(out)
        for row in rows:
            writer.writerow(row)
    with transaction.atomic():
        export = Export.objects.create(report_id=report_id, owner=request.user, uri=uri)
    return {"id": export.pk}
