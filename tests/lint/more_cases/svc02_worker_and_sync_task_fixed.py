# expect: none
# fixed shape for svc02: the worker runs as its own process; the view enqueues the task
from celery import shared_task


@shared_task(bind=True, max_retries=3)
def rebuild_index(self, shop_id):
    return shop_id


def reindex_view(request, shop_id):
    rebuild_index.delay(shop_id)
    return "ok"
