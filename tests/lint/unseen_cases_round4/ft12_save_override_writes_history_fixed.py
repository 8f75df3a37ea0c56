# expect: none
# fixed shape: the override writes the row and its history entry in one transaction
from django.db import models, transaction
from django.shortcuts import get_object_or_404, redirect


class Document(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField()

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
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
