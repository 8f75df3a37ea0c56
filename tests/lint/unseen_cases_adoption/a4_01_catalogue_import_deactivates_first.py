# expect: forgotten-transaction
# The import first marks every product inactive, then upserts the rows of the file. A
# bad row midway leaves the rest of the catalogue inactive: the first write and the
# loop are one change.
from celery import shared_task

from inventory.models import Product


@shared_task
def import_catalogue(rows):
    Product.objects.update(active=False)  # expect-line
    for row in rows:
        Product.objects.update_or_create(sku=row["sku"], defaults={"name": row["name"], "price": row["price"], "active": True})
