# expect: side-effect-in-transaction
# pattern: a pre_delete receiver removes the S3 object while delete() runs inside the
#          caller's atomic block, so a rollback keeps rows that point to deleted files
import boto3
from django.conf import settings
from django.db import transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from library.models import Attachment, Folder

s3 = boto3.client("s3")


@receiver(pre_delete, sender=Attachment)
def remove_stored_file(sender, instance, **kwargs):
    s3.delete_object(Bucket=settings.ATTACHMENT_BUCKET, Key=instance.storage_key)  # expect-line


def empty_folder(folder_id):
    with transaction.atomic():
        folder = Folder.objects.select_for_update().get(pk=folder_id)
        for attachment in folder.attachments.all():
            attachment.delete()  # via-indirection: pre_delete fires here
        folder.size_bytes = 0
        folder.save(update_fields=["size_bytes"])
