# expect: none
# fixed shape for r10x_32b: the update matches the version that was read, and a row count of
#          zero means another edit came first
from django.db import models


class Document(models.Model):
    text = models.TextField()
    version = models.PositiveIntegerField(default=0)


class EditConflict(Exception):
    pass


def append_paragraph(document_id, paragraph):
    document = Document.objects.get(pk=document_id)
    updated = Document.objects.filter(pk=document.pk, version=document.version).update(
        text=document.text + "\n\n" + paragraph, version=document.version + 1
    )
    if updated == 0:
        raise EditConflict(document_id)
