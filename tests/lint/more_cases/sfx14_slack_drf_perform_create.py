# expect: side-effect-in-transaction
# pattern: DRF perform_create() posts to Slack; the project sets ATOMIC_REQUESTS, so the
#          request's transaction is still open when the message goes out
# settings.py (same project): DATABASES["default"]["ATOMIC_REQUESTS"] = True
from django.conf import settings
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
        slack.chat_postMessage(channel="#sales", text=f"New deal: {deal.title}")  # expect-line
