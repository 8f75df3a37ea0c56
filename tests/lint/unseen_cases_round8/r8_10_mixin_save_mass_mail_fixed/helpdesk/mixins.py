# expect: none
# fixed shape for r8_10: save() defers the mail to COMMIT on the database it wrote to
from django.core.mail import send_mass_mail
from django.db import router, transaction


class WatcherNotificationMixin:
    """Mail every watcher of the object when a save changes one of `notify_fields`.

    The mail leaves when the transaction of the save commits.
    """

    notify_fields = ("status",)

    def save(self, *args, **kwargs):
        changed = self._notify_fields_changed()
        super().save(*args, **kwargs)
        if changed:
            using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
            transaction.on_commit(self.notify_watchers, using=using)

    def _notify_fields_changed(self):
        if self.pk is None:
            return False
        previous = type(self).objects.filter(pk=self.pk).values(*self.notify_fields).first()
        return previous is not None and any(
            previous[field] != getattr(self, field) for field in self.notify_fields
        )

    def notify_watchers(self):
        messages = [
            (self.notification_subject(), self.notification_body(watcher), None, [watcher.email])
            for watcher in self.watchers.all()
        ]
        send_mass_mail(messages, fail_silently=False)
