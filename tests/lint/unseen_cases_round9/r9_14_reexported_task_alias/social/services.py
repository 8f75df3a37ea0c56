# expect: side-effect-in-transaction
# pattern: the notifications package re-exports a Celery task under another name, and
#          apply_async() with a countdown runs inside an atomic function. The countdown
#          does not wait for COMMIT
from django.db import transaction
from django.db.models import F

from notifications import notify_user
from social.models import Follow, FollowerCount


@transaction.atomic
def follow(follower, followee):
    Follow.objects.create(follower=follower, followee=followee)
    FollowerCount.objects.filter(user=followee).update(value=F("value") + 1)
    notify_user.apply_async(  # expect-line
        args=[followee.pk, "New follower", f"{follower.username} follows you"],
        countdown=2,
    )
