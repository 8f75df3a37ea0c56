# expect: side-effect-in-transaction
# pattern: a before_commit session listener registered with event.listen() asks Celery
#          to reindex by task name; before_commit still runs inside the transaction,
#          and the COMMIT that follows can fail
from celery import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog.models import Product


def queue_reindex(session):
    changed = [obj.id for obj in session.dirty if isinstance(obj, Product)]
    if changed:
        current_app.send_task("search.reindex_products", args=[changed])  # expect-line


event.listen(Session, "before_commit", queue_reindex)
