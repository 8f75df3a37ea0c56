# expect: none
from functools import partial

from django.db import transaction

from media.models import Video
from media.tasks import transcode

in_transaction = transaction.atomic


def upload(owner, file):
    with in_transaction():
        video = Video.objects.create(owner=owner, file=file)
        transaction.on_commit(partial(transcode.send, video.pk))
    return video
