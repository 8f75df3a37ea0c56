# expect: none
# fixed shape for r9x_12b: the cleanup task is sent once dispatch()'s block commits
from functools import partial

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
        transaction.on_commit(partial(purge_album_files.delay, self.object.storage_prefix))
        return reverse("album-list")
