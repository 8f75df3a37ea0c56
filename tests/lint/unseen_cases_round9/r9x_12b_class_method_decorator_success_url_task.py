# expect: side-effect-in-transaction
# pattern: the project's base view is decorated with method_decorator(atomic, name="dispatch"),
#          and a delete view enqueues the cleanup task from get_success_url(), which Django
#          calls inside dispatch()
from django.db import transaction
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import DeleteView

from media.models import Album
from media.tasks import purge_album_files


@method_decorator(transaction.atomic, name="dispatch")
class AtomicDeleteView(DeleteView):
    pass


class AlbumDeleteView(AtomicDeleteView):
    model = Album

    def get_success_url(self):
        purge_album_files.delay(self.object.storage_prefix)  # expect-line
        return reverse("album-list")
