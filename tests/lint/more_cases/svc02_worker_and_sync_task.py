# expect: non-uniform-interface
# pattern: a management command that starts a worker in-process, and a view that runs a
#          task's body synchronously
from celery import shared_task
from celery.apps.worker import Worker

from proj.celery import app


@shared_task(bind=True, max_retries=3)
def rebuild_index(self, shop_id):
    return shop_id


def start_indexing_worker():
    worker = Worker(app=app, queues=["index"])
    worker.start()  # expect-line


def reindex_view(request, shop_id):
    rebuild_index(shop_id)  # expect-line
    return "ok"
