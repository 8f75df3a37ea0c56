# expect: none
# fixed shape: save() defers the upload until the outermost commit
from functools import partial

import boto3
from django.db import models, transaction

s3 = boto3.client("s3")


def publish_avatar(key, data):
    s3.put_object(Bucket="public-avatars", Key=key, Body=data, ACL="public-read")


class Avatar(models.Model):
    user = models.OneToOneField("auth.User", on_delete=models.CASCADE)
    image = models.BinaryField()

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        transaction.on_commit(partial(publish_avatar, f"avatars/{self.user_id}.png", bytes(self.image)))


def replace_avatar(user, data):
    with transaction.atomic():
        avatar = Avatar.objects.select_for_update().get(user=user)
        avatar.image = data
        avatar.save()
        user.profile.avatar_history.create(size=len(data))
