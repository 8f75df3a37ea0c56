# expect: none
# fixed shape for r8_09: the view registers the warehouse call with on_commit()
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
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
