# expect: side-effect-in-transaction
# pattern: post_delete receiver removes the stored file from S3; the delete runs in the
#          caller's atomic block, and a rollback keeps a row whose file is gone
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
def drop_stored_object(sender, instance, **kwargs):
    s3.delete_object(Bucket=instance.bucket, Key=instance.key)  # expect-line


def replace_attachment(old, upload):
    with transaction.atomic():
        old.delete()  # via-indirection: post_delete fires here
        Attachment.objects.create(bucket=upload.bucket, key=upload.key, ticket=old.ticket)
