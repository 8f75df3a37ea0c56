# expect: missing-lock
# pattern: a JSONField list on an unlocked row is appended to in Python and saved; two
#          bookmarks added at once both load the old list and one of them is lost
from django.db import transaction

from accounts.models import Profile


def add_bookmark(user_id, url):
    with transaction.atomic():
        profile = Profile.objects.get(user_id=user_id)  # expect-line
        if url not in profile.bookmarks:
            profile.bookmarks.append(url)
            profile.save(update_fields=["bookmarks"])
