# expect: side-effect-in-transaction
# pattern: a Celery canvas (a chain of signatures) is started inside atomic(), so the
#          first task reads a document row that is not committed yet
from celery import chain
from django.db import transaction

from docs.models import Document
from docs.tagging import default_tags_for
from docs.tasks import extract_text, index_document, notify_owner


def register_document(owner, title, storage_key):
    with transaction.atomic():
        document = Document.objects.create(owner=owner, title=title, storage_key=storage_key, state="processing")
        workflow = chain(extract_text.s(document.pk), index_document.s(), notify_owner.si(owner.pk))
        workflow.apply_async()  # expect-line
        document.tags.set(default_tags_for(owner))
    return document
