# expect: none
from functools import partial

import boto3
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from media.models import Upload


@receiver(post_delete, sender=Upload)
def remove_file(sender, instance, **kwargs):
    s3 = boto3.client("s3")
    transaction.on_commit(partial(s3.delete_object, Bucket="uploads", Key=instance.key))
