from functools import partial

import requests
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from support.models import Ticket

STATUS_HOOK = "https://hooks.example.invalid/ticket-status"


@receiver(post_save, sender=Ticket)
def announce_status(sender, instance, created, **kwargs):
    if not created:
        payload = {"id": instance.pk, "status": instance.status}
        transaction.on_commit(partial(requests.post, STATUS_HOOK, json=payload, timeout=5))
