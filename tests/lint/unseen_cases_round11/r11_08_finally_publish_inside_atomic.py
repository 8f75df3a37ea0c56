# expect: side-effect-in-transaction
# pattern: the "import finished" message is published from a finally clause that sits
#          inside atomic(). Browsers reload on the message and query products that are not
#          committed yet, and after an error they reload before the rollback.
import json

import redis
from django.db import transaction

from catalog.models import ImportRun, Product

bus = redis.Redis()


def import_products(run_id, rows):
    with transaction.atomic():
        try:
            for row in rows:
                Product.objects.update_or_create(sku=row["sku"], defaults={"name": row["name"], "price": row["price"]})
            ImportRun.objects.filter(pk=run_id).update(state=ImportRun.DONE, row_count=len(rows))
        finally:
            bus.publish(f"import-runs:{run_id}", json.dumps({"event": "finished"}))  # expect-line
