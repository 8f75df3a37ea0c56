# expect: none
# fixed shape: the thread is started from an on_commit callback
import threading

import requests
from django.db import transaction

from hooks.models import Event


def post_event(url, event_id):
    requests.post(url, json={"event": event_id}, timeout=10)


def start_post(url, event_id):
    threading.Thread(target=post_event, args=(url, event_id), daemon=True).start()


def record_event(kind, url):
    with transaction.atomic():
        event = Event.objects.create(kind=kind)
        event_id = event.pk
        transaction.on_commit(lambda: start_post(url, event_id))
        event.subscribers.update(last_event=event)
    return event
