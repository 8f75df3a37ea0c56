from django.conf import settings
from django.db import models

from helpdesk.mixins import WatcherNotificationMixin


class Ticket(WatcherNotificationMixin, models.Model):
    OPEN = "open"
    CLOSED = "closed"

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, default=OPEN)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="watched_tickets")

    def notification_subject(self):
        return f"[#{self.pk}] {self.title} is now {self.status}"

    def notification_body(self, watcher):
        return f"Hello {watcher.get_short_name()}, ticket #{self.pk} changed to {self.status}."


class TicketEvent(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
