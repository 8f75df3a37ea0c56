# expect: side-effect-in-transaction
# pattern: pre_save receiver compares the stored status and posts to Slack before the row
#          is even written; the atomic view can still fail afterwards
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
        slack.chat_postMessage(channel="#incidents", text=f"{instance.title}: {instance.status}")  # expect-line


@transaction.atomic
def resolve_incident(request, incident_id):
    incident = get_object_or_404(Incident, pk=incident_id)
    incident.status = "resolved"
    incident.save()  # via-indirection: pre_save fires here
    incident.timeline.create(kind="resolved", actor=request.user)
    return redirect("incident-detail", incident_id)
