# expect: none
# fixed shape for sfx14: the Slack message is sent on commit
# settings.py (same project): DATABASES["default"]["ATOMIC_REQUESTS"] = True
from django.conf import settings
from django.db import transaction
from rest_framework import viewsets
from slack_sdk import WebClient

from sales.models import Deal
from sales.serializers import DealSerializer

slack = WebClient(token=settings.SLACK_TOKEN)


class DealViewSet(viewsets.ModelViewSet):
    queryset = Deal.objects.all()
    serializer_class = DealSerializer

    def perform_create(self, serializer):
        deal = serializer.save(owner=self.request.user)
        text = f"New deal: {deal.title}"
        transaction.on_commit(lambda: slack.chat_postMessage(channel="#sales", text=text))
