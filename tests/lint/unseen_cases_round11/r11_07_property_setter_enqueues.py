# expect: side-effect-in-transaction
# pattern: a property setter enqueues the watcher notification when a ticket is closed.
#          The caller's plain assignment "ticket.state = ..." inside atomic() sends the
#          task, and the worker may read the ticket before the COMMIT, or after a rollback
#          that reopened it.
from django.db import models, transaction

from helpdesk.tasks import notify_watchers


class Ticket(models.Model):
    CLOSED = "closed"

    state_code = models.CharField(max_length=16, db_column="state", default="open")
    resolution = models.TextField(blank=True)

    @property
    def state(self):
        return self.state_code

    @state.setter
    def state(self, value):
        previous = self.state_code
        self.state_code = value
        if value == self.CLOSED and previous != self.CLOSED:
            notify_watchers.delay(self.pk, previous)  # expect-line


def close_ticket(ticket_id, resolution):
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        ticket.state = Ticket.CLOSED  # via-indirection: the property setter enqueues
        ticket.resolution = resolution
        ticket.save(update_fields=["state_code", "resolution"])
        ticket.time_entries.filter(running=True).update(running=False)
    return ticket
