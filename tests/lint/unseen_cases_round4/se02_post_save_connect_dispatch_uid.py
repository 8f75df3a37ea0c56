# expect: side-effect-in-transaction
# pattern: a post_save handler connected with post_save.connect(..., dispatch_uid=...)
#          mails the new assignee; a bulk reassignment saves tickets inside atomic(), so
#          the mails go out before the reassignment commits, or when it rolls back
from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models.signals import post_save


class Ticket(models.Model):
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)


def notify_assignee(sender, instance, created, update_fields=None, **kwargs):
    if instance.assignee_id and update_fields and "assignee" in update_fields:
        send_mail(  # expect-line
            f"Ticket #{instance.pk} was assigned to you",
            instance.title,
            settings.DEFAULT_FROM_EMAIL,
            [instance.assignee.email],
        )


post_save.connect(notify_assignee, sender=Ticket, dispatch_uid="tickets.notify_assignee")


def reassign(ticket_ids, assignee):
    with transaction.atomic():
        for ticket in Ticket.objects.select_for_update().filter(pk__in=ticket_ids):
            ticket.assignee = assignee
            ticket.save(update_fields=["assignee"])  # via-indirection
