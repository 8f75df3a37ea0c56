# expect: side-effect-in-transaction
# pattern: a Celery chain applied by calling it, chain(...)(), in an @atomic function;
#          calling a canvas sends its first task at once
from celery import chain
from django.db import transaction

from media.models import Video
from media.tasks import publish, transcode


@transaction.atomic
def upload(owner, upload_file):
    video = Video.objects.create(owner=owner, file=upload_file)
    owner.videos_pending.add(video)
    chain(transcode.s(video.pk), publish.s())()  # expect-line
    return video
