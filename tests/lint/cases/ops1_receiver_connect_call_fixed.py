# expect: none
from functools import partial

from django.db import transaction
from django.db.models.signals import post_save

from crm.models import Lead
from crm.tasks import score_lead


def queue_scoring(sender, instance, created, **kwargs):
    if created:
        transaction.on_commit(partial(score_lead.delay, instance.pk))


post_save.connect(queue_scoring, sender=Lead)


def import_leads(rows):
    with transaction.atomic():
        for row in rows:
            lead = Lead(email=row["email"])
            lead.save()
