# expect: none
# fixed shape for sfx26: the task is enqueued from on_commit
from functools import partial

from django.db import transaction
from huey.contrib.djhuey import db_task

from docs.models import Document


@db_task()
def render_pdf(document_id):
    document = Document.objects.get(pk=document_id)
    return document.render()


def save_document(owner, body):
    with transaction.atomic():
        document = Document.objects.create(owner=owner, body=body)
        transaction.on_commit(partial(render_pdf, document.pk))
    return document
