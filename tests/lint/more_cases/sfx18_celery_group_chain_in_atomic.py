# expect: side-effect-in-transaction
# pattern: an upload view saves the photos and starts a Celery group and a chain while
#          the atomic block is still open; the thumbnail workers find no rows
from celery import chain, group
from django.db import transaction
from django.http import JsonResponse

from gallery.models import Album, Photo
from gallery.tasks import index_album, make_thumbnail, notify_followers


def upload(request, album_id):
    with transaction.atomic():
        album = Album.objects.get(pk=album_id)
        photos = [Photo.objects.create(album=album, file=f) for f in request.FILES.getlist("photos")]
        group(make_thumbnail.s(photo.pk) for photo in photos).apply_async()  # expect-line
        chain(index_album.si(album.pk), notify_followers.si(album.pk)).delay()  # expect-line
    return JsonResponse({"count": len(photos)})
