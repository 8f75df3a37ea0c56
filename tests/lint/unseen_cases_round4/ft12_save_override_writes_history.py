# expect: forgotten-transaction
# pattern: a save() override writes the row, then a history row; Django's save() opens no
#          transaction of its own, so the view that saves a document commits the change
#          and can lose its history entry
from django.db import models
from django.shortcuts import get_object_or_404, redirect


class Document(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField()

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)  # expect-line
        DocumentRevision.objects.create(document=self, title=self.title, body=self.body)


class DocumentRevision(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)


def rename(request, pk):
    document = get_object_or_404(Document, pk=pk)
    document.title = request.POST["title"]
    document.save()
    return redirect("documents:detail", pk=pk)
