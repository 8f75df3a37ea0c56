# expect: none
# fixed shape: the object is removed from S3 once the delete has committed
from functools import partial

import boto3
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

s3 = boto3.client("s3")


class Attachment(models.Model):
    bucket = models.CharField(max_length=63)
    key = models.CharField(max_length=255)
    ticket = models.ForeignKey("helpdesk.Ticket", on_delete=models.CASCADE)


@receiver(post_delete, sender=Attachment)
def drop_stored_object(sender, instance, using, **kwargs):
    transaction.on_commit(
        partial(s3.delete_object, Bucket=instance.bucket, Key=instance.key), using=using
    )


def replace_attachment(old, upload):
    with transaction.atomic():
        old.delete()
        Attachment.objects.create(bucket=upload.bucket, key=upload.key, ticket=old.ticket)
