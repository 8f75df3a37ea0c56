# expect: none
# fixed shape for sfx16: the ids are collected during the flush and sent after_commit
from celery import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog.models import Product


def collect_changed(session, flush_context):
    changed = session.info.setdefault("reindex", set())
    changed.update(obj.id for obj in session.dirty if isinstance(obj, Product))


def queue_reindex(session):
    changed = session.info.pop("reindex", set())
    if changed:
        current_app.send_task("search.reindex_products", args=[sorted(changed)])


event.listen(Session, "after_flush", collect_changed)
event.listen(Session, "after_commit", queue_reindex)
