# expect: missing-lock
# pattern: a ticket is assigned after a check that nobody holds it, with a plain get()
#          and a full save(), so two agents can both take it
from django.db import models


class Ticket(models.Model):
    subject = models.CharField(max_length=200)
    assignee = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL)


class AlreadyAssigned(Exception):
    pass


def take_ticket(ticket_id, agent):
    ticket = Ticket.objects.get(pk=ticket_id)  # expect-line
    if ticket.assignee_id is not None:
        raise AlreadyAssigned(ticket_id)
    ticket.assignee = agent
    ticket.save()
    return ticket
