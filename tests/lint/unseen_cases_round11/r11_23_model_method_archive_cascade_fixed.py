# expect: none
# fixed shape: the three writes commit together
from django.db import models, transaction
from django.utils import timezone


class Project(models.Model):
    name = models.CharField(max_length=120)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)

    @transaction.atomic
    def archive(self, user):
        self.archived_at = timezone.now()
        self.archived_by = user
        self.save(update_fields=["archived_at", "archived_by"])
        self.tasks.filter(archived_at=None).update(archived_at=self.archived_at)
        self.webhooks.update(active=False)
