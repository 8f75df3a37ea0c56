# expect: side-effect-in-transaction
# pattern: @atomic serializer create() enqueues an immutable signature with apply_async;
#          the worker may fetch the feed before the row commits
from django.db import transaction
from rest_framework import serializers

from feeds.models import Feed
from feeds.tasks import refresh_feed


class FeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feed
        fields = ["id", "url", "title"]

    @transaction.atomic
    def create(self, validated_data):
        feed = Feed.objects.create(owner=self.context["request"].user, **validated_data)
        refresh_feed.si(feed.pk).apply_async(queue="low", countdown=1)  # expect-line
        return feed
