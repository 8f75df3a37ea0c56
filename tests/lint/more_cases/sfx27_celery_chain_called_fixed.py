# expect: none
# fixed shape for sfx27: the chain is applied after the commit
from celery import chain
from django.db import transaction

from media.models import Video
from media.tasks import publish, transcode


@transaction.atomic
def upload(owner, upload_file):
    video = Video.objects.create(owner=owner, file=upload_file)
    owner.videos_pending.add(video)
    transaction.on_commit(chain(transcode.s(video.pk), publish.s()))
    return video
