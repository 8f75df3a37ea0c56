# expect: side-effect-in-transaction
import csv

from django.db import transaction
from ninja import Router
from smart_open import open as s3_open

from .models import Export, Row

router = Router()


@router.post("/exports/{report_id}")
@transaction.atomic
def export_report(request, report_id: int):
    export = Export.objects.create(report_id=report_id, owner=request.user)
    uri = f"s3://exports-bucket/{export.pk}.csv"
    with s3_open(uri, "w") as out:  # expect-line
        writer = csv.writer(out)
        for row in Row.objects.filter(report_id=report_id).values_list("name", "value"):
            writer.writerow(row)
    export.uri = uri
    export.save(update_fields=["uri"])
    return {"id": export.pk}
