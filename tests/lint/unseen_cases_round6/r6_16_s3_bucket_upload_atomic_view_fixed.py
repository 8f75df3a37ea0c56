# expect: none
# fixed shape: upload under a fresh key first, then one short transaction; a failure
#          leaves only an unreferenced object, which a lifecycle rule can expire
from uuid import uuid4

import boto3
from django.db import transaction
from django.http import JsonResponse

from docs.models import Document

bucket = boto3.resource("s3").Bucket("tenant-documents")


def upload_document(request):
    upload = request.FILES["file"]
    key = f"docs/{uuid4()}"
    bucket.upload_fileobj(upload, key)
    with transaction.atomic():
        document = Document.objects.create(owner=request.user, name=upload.name, key=key)
        document.versions.create(number=1)
    return JsonResponse({"id": document.pk}, status=201)
