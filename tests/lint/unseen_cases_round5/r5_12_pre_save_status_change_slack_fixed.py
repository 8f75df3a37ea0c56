# expect: none
# fixed shape: the receiver registers the post for after the commit
from functools import partial

from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.shortcuts import get_object_or_404, redirect
from slack_sdk import WebClient

from incidents.models import Incident

slack = WebClient(token="xoxb-placeholder")


@receiver(pre_save, sender=Incident)
def announce_status_change(sender, instance, **kwargs):
    if not instance.pk:
        return
    previous = Incident.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
    if previous != instance.status:
        text = f"{instance.title}: {instance.status}"
        transaction.on_commit(partial(slack.chat_postMessage, channel="#incidents", text=text))


@transaction.atomic
def resolve_incident(request, incident_id):
    incident = get_object_or_404(Incident, pk=incident_id)
    incident.status = "resolved"
    incident.save()
    incident.timeline.create(kind="resolved", actor=request.user)
    return redirect("incident-detail", incident_id)
