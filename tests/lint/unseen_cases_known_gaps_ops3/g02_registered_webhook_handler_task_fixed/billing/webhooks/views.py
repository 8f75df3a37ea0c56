import json

from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

import billing.webhooks.handlers  # noqa: F401 - registers the handlers
from billing.models import WebhookEvent
from billing.webhooks.registry import HANDLERS


@csrf_exempt
@require_POST
@transaction.atomic
def provider_webhook(request):
    event = json.loads(request.body)
    WebhookEvent.objects.create(provider_id=event["id"], kind=event["type"], payload=event)
    if event["type"] in HANDLERS:
        HANDLERS[event["type"]](event["data"]["object"])
    return HttpResponse(status=204)
