# expect: side-effect-in-transaction
# pattern: a decorator posts the wrapped function's result to Slack after it returns. The
#          decorated function is called inside the caller's atomic() block, so the channel
#          hears about a release that a failing note insert rolls back.
import os
from functools import wraps

from django.db import transaction
from slack_sdk import WebClient

from releases.models import Release, ReleaseNote

slack = WebClient(token=os.environ["SLACK_BOT_TOKEN"])


def announce(channel):
    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            slack.chat_postMessage(channel=channel, text=f"{func.__name__}: {result}")  # expect-line
            return result

        return wrapper

    return decorate


@announce("#releases")
def tag_release(project, version):
    return Release.objects.create(project=project, version=version)


def cut_release(project, version, notes):
    with transaction.atomic():
        release = tag_release(project, version)  # via-indirection: the decorator posts on return
        for note in notes:
            ReleaseNote.objects.create(release=release, text=note)
    return release
