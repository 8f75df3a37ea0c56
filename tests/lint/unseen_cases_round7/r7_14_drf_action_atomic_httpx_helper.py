# expect: side-effect-in-transaction
import httpx
from django.db import transaction
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .models import Deployment

SLACK_HOOK = "https://hooks.slack.com/services/T000/B000/XXXX"


def post_to_channel(text: str) -> None:
    httpx.post(SLACK_HOOK, json={"text": text}, timeout=5)


class DeploymentViewSet(viewsets.ModelViewSet):
    queryset = Deployment.objects.all()

    @action(detail=True, methods=["post"])
    @transaction.atomic
    def rollback(self, request, pk=None):
        deployment = self.get_object()
        deployment.state = "rolled_back"
        deployment.save(update_fields=["state"])
        post_to_channel(f"{deployment.service} rolled back by {request.user}")  # via-indirection
        return Response({"state": deployment.state})
