# expect: side-effect-in-transaction
# pattern: atomic bound to a module-level alias; a Dramatiq actor imported from a tasks module
from django.db import transaction

from media.models import Video
from media.tasks import transcode

in_transaction = transaction.atomic


def upload(owner, file):
    with in_transaction():
        video = Video.objects.create(owner=owner, file=file)
        transcode.send(video.pk)  # expect-line
    return video
