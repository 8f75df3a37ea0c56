# expect: none
# fixed shape for r9_04: the key is read now, and the object is deleted after COMMIT
from functools import partial

import boto3
from django.conf import settings
from django.db import transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from library.models import Attachment, Folder

s3 = boto3.client("s3")


@receiver(pre_delete, sender=Attachment)
def remove_stored_file(sender, instance, **kwargs):
    transaction.on_commit(
        partial(s3.delete_object, Bucket=settings.ATTACHMENT_BUCKET, Key=instance.storage_key)
    )


def empty_folder(folder_id):
    with transaction.atomic():
        folder = Folder.objects.select_for_update().get(pk=folder_id)
        for attachment in folder.attachments.all():
            attachment.delete()
        folder.size_bytes = 0
        folder.save(update_fields=["size_bytes"])
