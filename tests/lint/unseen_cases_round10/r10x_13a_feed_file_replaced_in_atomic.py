# expect: side-effect-in-transaction
# pattern: the public feed under MEDIA_ROOT is swapped in with os.replace() inside the
#          atomic function that also marks the entries as published. When the final
#          update fails, the feed served to readers lists entries the database rolled back.
import os
import tempfile

from django.conf import settings
from django.db import transaction

from blog.feeds import render_feed
from blog.models import Entry


@transaction.atomic
def publish_scheduled(now):
    entries = list(Entry.objects.filter(publish_at__lte=now, published=False))
    with tempfile.NamedTemporaryFile("w", delete=False, dir=settings.MEDIA_ROOT, suffix=".xml") as draft:
        draft.write(render_feed(entries))
    os.replace(draft.name, os.path.join(settings.MEDIA_ROOT, "feeds", "latest.xml"))  # expect-line
    Entry.objects.filter(pk__in=[entry.pk for entry in entries]).update(published=True)
