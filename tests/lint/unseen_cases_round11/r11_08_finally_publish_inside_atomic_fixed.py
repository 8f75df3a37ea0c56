# expect: none
# fixed shape: try/finally moved outside the block, so the message follows the COMMIT or
#              the rollback
import json

import redis
from django.db import transaction

from catalog.models import ImportRun, Product

bus = redis.Redis()


def import_products(run_id, rows):
    try:
        with transaction.atomic():
            for row in rows:
                Product.objects.update_or_create(sku=row["sku"], defaults={"name": row["name"], "price": row["price"]})
            ImportRun.objects.filter(pk=run_id).update(state=ImportRun.DONE, row_count=len(rows))
    finally:
        bus.publish(f"import-runs:{run_id}", json.dumps({"event": "finished"}))
