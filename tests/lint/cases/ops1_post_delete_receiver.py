# expect: side-effect-in-transaction
# pattern: post_delete is sent inside Django's own atomic block around delete()
import boto3
from django.db.models.signals import post_delete
from django.dispatch import receiver

from media.models import Upload


@receiver(post_delete, sender=Upload)
def remove_file(sender, instance, **kwargs):
    boto3.client("s3").delete_object(Bucket="uploads", Key=instance.key)  # expect-line
