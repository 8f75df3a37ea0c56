# expect: none
# fixed shape: the row is locked for the read-modify-write
from django.db import transaction

from accounts.models import Profile


def add_bookmark(user_id, url):
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user_id=user_id)
        if url not in profile.bookmarks:
            profile.bookmarks.append(url)
            profile.save(update_fields=["bookmarks"])
