# expect: none
# fixed shape for r9_14: the task is sent when the function's atomic block commits
from functools import partial

from django.db import transaction
from django.db.models import F

from notifications import notify_user
from social.models import Follow, FollowerCount


@transaction.atomic
def follow(follower, followee):
    Follow.objects.create(follower=follower, followee=followee)
    FollowerCount.objects.filter(user=followee).update(value=F("value") + 1)
    transaction.on_commit(
        partial(
            notify_user.apply_async,
            args=[followee.pk, "New follower", f"{follower.username} follows you"],
            countdown=2,
        )
    )
