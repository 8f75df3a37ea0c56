# expect: missing-lock
# pattern: a slow background task loads the row, works for seconds, then save() writes
#          every column back. A title the user changed in the meantime is overwritten with
#          the value read at the start.
from celery import shared_task

from library.models import Document
from library.thumbnails import render_thumbnail


@shared_task
def generate_thumbnail(document_id):
    document = Document.objects.get(pk=document_id)  # expect-line
    document.thumbnail_key = render_thumbnail(document.source_key)
    document.save()
