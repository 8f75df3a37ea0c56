# expect: side-effect-in-transaction
# pattern: a CreateView's form_valid() is atomic and calls a model method that posts to
#          a chat webhook before the block commits
import requests
from django.db import models, transaction
from django.views.generic.edit import CreateView

CHAT_HOOK = "https://chat.example.invalid/hooks/incidents"


class Incident(models.Model):
    title = models.CharField(max_length=200)
    severity = models.PositiveSmallIntegerField(default=3)

    def announce(self):
        requests.post(CHAT_HOOK, json={"content": f"New incident: {self.title}"}, timeout=5)  # expect-line


class IncidentCreateView(CreateView):
    model = Incident
    fields = ["title", "severity"]
    success_url = "/incidents/"

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        self.object.announce()  # via-indirection
        self.object.timeline.create(kind="opened")
        return response
