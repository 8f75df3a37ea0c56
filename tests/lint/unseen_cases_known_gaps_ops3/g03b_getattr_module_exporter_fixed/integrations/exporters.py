# expect: none
# fixed shape for g03b: the job marks the order exported inside its atomic block and calls
#          the exporter after the block commits
import csv
from pathlib import Path

import requests
from django.conf import settings


def export_netsuite(order):
    requests.post(
        f"{settings.NETSUITE_URL}/salesorders",
        json={"externalId": order.number, "total": str(order.total)},
        timeout=15,
    )


def export_csv(order):
    with Path(settings.EXPORT_DIR, f"{order.number}.csv").open("w", newline="") as handle:
        csv.writer(handle).writerow([order.number, order.total])
