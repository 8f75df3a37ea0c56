import requests
from django.db.models.signals import post_save
from django.dispatch import receiver

from support.models import Ticket

STATUS_HOOK = "https://hooks.example.invalid/ticket-status"


@receiver(post_save, sender=Ticket)
def announce_status(sender, instance, created, **kwargs):
    if not created:
        # The hook hears of a status that a rollback may undo.
        requests.post(STATUS_HOOK, json={"id": instance.pk, "status": instance.status}, timeout=5)
