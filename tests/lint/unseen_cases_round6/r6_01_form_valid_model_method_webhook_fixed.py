# expect: none
# fixed shape: the webhook is posted once the outermost block commits
from functools import partial

import requests
from django.db import models, transaction
from django.views.generic.edit import CreateView

CHAT_HOOK = "https://chat.example.invalid/hooks/incidents"


class Incident(models.Model):
    title = models.CharField(max_length=200)
    severity = models.PositiveSmallIntegerField(default=3)

    def announce(self):
        payload = {"content": f"New incident: {self.title}"}
        transaction.on_commit(partial(requests.post, CHAT_HOOK, json=payload, timeout=5))


class IncidentCreateView(CreateView):
    model = Incident
    fields = ["title", "severity"]
    success_url = "/incidents/"

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        self.object.announce()
        self.object.timeline.create(kind="opened")
        return response
