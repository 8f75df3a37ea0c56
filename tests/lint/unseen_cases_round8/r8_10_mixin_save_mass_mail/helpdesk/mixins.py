# expect: side-effect-in-transaction
# pattern: a model mixin's save() override mails the watchers when a field in
#          notify_fields changed; a service saves tickets in a loop inside atomic(), so
#          watchers hear of closures that a later failure in the loop rolls back
from django.core.mail import send_mass_mail


class WatcherNotificationMixin:
    """Mail every watcher of the object when a save changes one of `notify_fields`."""

    notify_fields = ("status",)

    def save(self, *args, **kwargs):
        changed = self._notify_fields_changed()
        super().save(*args, **kwargs)
        if changed:
            self.notify_watchers()

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
        send_mass_mail(messages, fail_silently=False)  # expect-line
