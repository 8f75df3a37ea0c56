# expect: forgotten-transaction
# pattern: a soft delete hides the thread, then its posts through the reverse relation;
#          a failure between leaves a hidden thread whose posts still show
from django.db import models
from django.utils import timezone


class Thread(models.Model):
    title = models.CharField(max_length=200)
    hidden_at = models.DateTimeField(null=True)


class Post(models.Model):
    thread = models.ForeignKey(Thread, related_name="posts", on_delete=models.CASCADE)
    hidden_at = models.DateTimeField(null=True)


def hide_thread(thread_id):
    now = timezone.now()
    thread = Thread.objects.get(pk=thread_id)
    thread.hidden_at = now
    thread.save(update_fields=["hidden_at"])  # expect-line
    thread.posts.update(hidden_at=now)
