# expect: none
# fixed shape: the decorator registers the post with on_commit, so it runs after the
#              caller's transaction commits, or right away when no transaction is open
import os
from functools import partial, wraps

from django.db import transaction
from slack_sdk import WebClient

from releases.models import Release, ReleaseNote

slack = WebClient(token=os.environ["SLACK_BOT_TOKEN"])


def announce(channel):
    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            transaction.on_commit(partial(slack.chat_postMessage, channel=channel, text=f"{func.__name__}: {result}"))
            return result

        return wrapper

    return decorate


@announce("#releases")
def tag_release(project, version):
    return Release.objects.create(project=project, version=version)


def cut_release(project, version, notes):
    with transaction.atomic():
        release = tag_release(project, version)
        for note in notes:
            ReleaseNote.objects.create(release=release, text=note)
    return release
