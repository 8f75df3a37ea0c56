# expect: side-effect-in-transaction
# pattern: the export job looks up export_<target> in this module with getattr() while its
#          atomic block holds the order's row lock. export_netsuite() posts the order to
#          the ERP, which then has an order that the block may still roll back
import csv
from pathlib import Path

import requests
from django.conf import settings


def export_netsuite(order):
    requests.post(  # expect-line
        f"{settings.NETSUITE_URL}/salesorders",
        json={"externalId": order.number, "total": str(order.total)},
        timeout=15,
    )


def export_csv(order):
    with Path(settings.EXPORT_DIR, f"{order.number}.csv").open("w", newline="") as handle:
        csv.writer(handle).writerow([order.number, order.total])
