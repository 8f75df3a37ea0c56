# expect: side-effect-in-transaction
# pattern: a background thread started inside atomic() posts a webhook; it runs at once,
#          usually before the transaction commits
import threading

import requests
from django.db import transaction

from hooks.models import Event


def post_event(url, event_id):
    requests.post(url, json={"event": event_id}, timeout=10)  # expect-line


def record_event(kind, url):
    with transaction.atomic():
        event = Event.objects.create(kind=kind)
        threading.Thread(target=post_event, args=(url, event.pk), daemon=True).start()  # via-indirection
        event.subscribers.update(last_event=event)
    return event
