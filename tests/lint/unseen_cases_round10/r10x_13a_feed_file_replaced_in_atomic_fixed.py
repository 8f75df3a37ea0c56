# expect: none
# fixed shape for r10x_13a: the draft is still written to a temporary file inside the
#          transaction, but the swap into the served folder waits for the commit
import os
import tempfile
from functools import partial

from django.conf import settings
from django.db import transaction

from blog.feeds import render_feed
from blog.models import Entry


@transaction.atomic
def publish_scheduled(now):
    entries = list(Entry.objects.filter(publish_at__lte=now, published=False))
    with tempfile.NamedTemporaryFile("w", delete=False, dir=settings.MEDIA_ROOT, suffix=".xml") as draft:
        draft.write(render_feed(entries))
    Entry.objects.filter(pk__in=[entry.pk for entry in entries]).update(published=True)
    transaction.on_commit(partial(os.replace, draft.name, os.path.join(settings.MEDIA_ROOT, "feeds", "latest.xml")))
