# expect: none
# fixed shape for r10_26: the task writes back only the column it computed
from celery import shared_task

from library.models import Document
from library.thumbnails import render_thumbnail


@shared_task
def generate_thumbnail(document_id):
    document = Document.objects.get(pk=document_id)
    document.thumbnail_key = render_thumbnail(document.source_key)
    document.save(update_fields=["thumbnail_key"])
