# expect: none
# fixed shape: the signature is applied on commit
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
        signature = refresh_feed.si(feed.pk)
        transaction.on_commit(lambda: signature.apply_async(queue="low"))
        return feed
