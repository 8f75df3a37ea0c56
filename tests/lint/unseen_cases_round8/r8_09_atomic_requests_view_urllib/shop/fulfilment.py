# expect: side-effect-in-transaction
# pattern: with ATOMIC_REQUESTS on (config/settings.py), the whole class-based view runs
#          in one transaction that commits after post() returns; the view hands the order
#          to the warehouse API through this helper before that COMMIT
import json
import urllib.request

from django.conf import settings


def submit_to_warehouse(payload):
    request = urllib.request.Request(
        f"{settings.WAREHOUSE_URL}/shipments",
        data=json.dumps(payload).encode(),
        headers={
            "Authorization": f"Bearer {settings.WAREHOUSE_TOKEN}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # expect-line
        response.read()
