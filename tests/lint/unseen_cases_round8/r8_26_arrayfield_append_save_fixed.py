# expect: none
# fixed shape for r8_26: the feed row is locked from the read to the save
from django.db import transaction

from feeds.models import Feed


class TagFollowService:
    def follow(self, user_id, tag):
        with transaction.atomic():
            feed = Feed.objects.select_for_update().get(user_id=user_id)
            if tag in feed.tags:
                return feed
            feed.tags.append(tag)
            feed.save(update_fields=["tags"])
        return feed
