# expect: none
# fixed shape for sfx18: the canvases are started after the commit
from celery import chain, group
from django.db import transaction
from django.http import JsonResponse

from gallery.models import Album, Photo
from gallery.tasks import index_album, make_thumbnail, notify_followers


def upload(request, album_id):
    with transaction.atomic():
        album = Album.objects.get(pk=album_id)
        photos = [Photo.objects.create(album=album, file=f) for f in request.FILES.getlist("photos")]
        thumbnails = group(make_thumbnail.s(photo.pk) for photo in photos)
        follow_up = chain(index_album.si(album.pk), notify_followers.si(album.pk))
        transaction.on_commit(thumbnails.apply_async)
        transaction.on_commit(follow_up.delay)
    return JsonResponse({"count": len(photos)})
