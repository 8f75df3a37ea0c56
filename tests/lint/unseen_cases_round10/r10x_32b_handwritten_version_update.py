# expect: missing-lock
# pattern: a document's text is read, extended and written back with update(), and the
#          filter selects the row by its key only, so a concurrent edit is overwritten
from django.db import models


class Document(models.Model):
    text = models.TextField()
    version = models.PositiveIntegerField(default=0)


def append_paragraph(document_id, paragraph):
    document = Document.objects.get(pk=document_id)  # expect-line
    Document.objects.filter(pk=document.pk).update(text=document.text + "\n\n" + paragraph, version=document.version + 1)
