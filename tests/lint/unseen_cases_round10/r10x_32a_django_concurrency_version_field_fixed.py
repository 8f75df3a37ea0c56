# expect: none
# fixed shape for r10x_32a: django-concurrency's IntegerVersionField makes save() update only
#          the version that was read, and raise RecordModifiedError when another agent saved first
from concurrency.exceptions import RecordModifiedError
from concurrency.fields import IntegerVersionField
from django.db import models


class Ticket(models.Model):
    subject = models.CharField(max_length=200)
    assignee = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL)
    version = IntegerVersionField()


class AlreadyAssigned(Exception):
    pass


def take_ticket(ticket_id, agent):
    ticket = Ticket.objects.get(pk=ticket_id)
    if ticket.assignee_id is not None:
        raise AlreadyAssigned(ticket_id)
    ticket.assignee = agent
    try:
        ticket.save()
    except RecordModifiedError:
        raise AlreadyAssigned(ticket_id) from None
    return ticket
