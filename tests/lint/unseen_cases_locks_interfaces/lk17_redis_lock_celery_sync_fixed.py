# expect: none
# fixed shape for lk17: a Redis lock per shop lets one copy run; the others return
import redis
from celery import shared_task

from sync.client import fetch_orders_since
from sync.models import SyncCursor

redis_client = redis.Redis()


@shared_task
def sync_shop(shop_id):
    lock = redis_client.lock(f"sync-shop:{shop_id}", timeout=600, blocking_timeout=0)
    if not lock.acquire(blocking=False):
        return 0
    try:
        cursor = SyncCursor.objects.get(shop_id=shop_id)
        orders, position = fetch_orders_since(shop_id, cursor.position)
        cursor.position = position
        cursor.save(update_fields=["position"])
        return len(orders)
    finally:
        lock.release()
