# expect: forgotten-transaction
# pattern: a model method archives a project, its open tasks and its webhooks in three
#          autocommit writes. A failure after the first leaves an archived project whose
#          webhooks still fire.
from django.db import models
from django.utils import timezone


class Project(models.Model):
    name = models.CharField(max_length=120)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)

    def archive(self, user):
        self.archived_at = timezone.now()
        self.archived_by = user
        self.save(update_fields=["archived_at", "archived_by"])  # expect-line
        self.tasks.filter(archived_at=None).update(archived_at=self.archived_at)
        self.webhooks.update(active=False)
