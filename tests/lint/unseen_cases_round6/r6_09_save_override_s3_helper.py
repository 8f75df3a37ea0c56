# expect: side-effect-in-transaction
# pattern: a save() override calls a helper that uploads to S3; the save runs inside the
#          caller's atomic block, which can still roll back
import boto3
from django.db import models, transaction

s3 = boto3.client("s3")


def publish_avatar(key, data):
    s3.put_object(Bucket="public-avatars", Key=key, Body=data, ACL="public-read")  # expect-line


class Avatar(models.Model):
    user = models.OneToOneField("auth.User", on_delete=models.CASCADE)
    image = models.BinaryField()

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        publish_avatar(f"avatars/{self.user_id}.png", self.image)


def replace_avatar(user, data):
    with transaction.atomic():
        avatar = Avatar.objects.select_for_update().get(user=user)
        avatar.image = data
        avatar.save()  # via-indirection
        user.profile.avatar_history.create(size=len(data))
