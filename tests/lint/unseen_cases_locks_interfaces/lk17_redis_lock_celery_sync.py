# expect: missing-lock
# pattern: a Celery task that syncs a shop assumes no other copy runs: it reads the
#          cursor, fetches from it and stores the new cursor; two copies import twice
from celery import shared_task

from sync.client import fetch_orders_since
from sync.models import SyncCursor


@shared_task
def sync_shop(shop_id):
    cursor = SyncCursor.objects.get(shop_id=shop_id)  # expect-line
    orders, position = fetch_orders_since(shop_id, cursor.position)
    cursor.position = position
    cursor.save(update_fields=["position"])
    return len(orders)
