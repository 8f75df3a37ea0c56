# expect: side-effect-in-transaction
# pattern: a file uploaded through a boto3 resource's Bucket inside an @atomic view;
#          a failed later write leaves a public object for a document that does not exist
import boto3
from django.db import transaction
from django.http import JsonResponse

from docs.models import Document

bucket = boto3.resource("s3").Bucket("tenant-documents")


@transaction.atomic
def upload_document(request):
    upload = request.FILES["file"]
    document = Document.objects.create(owner=request.user, name=upload.name)
    bucket.upload_fileobj(upload, f"docs/{document.pk}")  # expect-line
    document.versions.create(number=1)
    return JsonResponse({"id": document.pk}, status=201)
