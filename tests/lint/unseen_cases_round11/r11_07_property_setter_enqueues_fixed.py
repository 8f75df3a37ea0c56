# expect: none
# fixed shape: the setter defers the enqueue with on_commit
from functools import partial

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
            transaction.on_commit(partial(notify_watchers.delay, self.pk, previous))


def close_ticket(ticket_id, resolution):
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        ticket.state = Ticket.CLOSED
        ticket.resolution = resolution
        ticket.save(update_fields=["state_code", "resolution"])
        ticket.time_entries.filter(running=True).update(running=False)
    return ticket
