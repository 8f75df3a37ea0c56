# expect: side-effect-in-transaction
# pattern: calling a Huey task enqueues it; the call sits in the atomic block that
#          creates the document, so the worker can look for a row not yet committed
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
        render_pdf(document.pk)  # expect-line
    return document
