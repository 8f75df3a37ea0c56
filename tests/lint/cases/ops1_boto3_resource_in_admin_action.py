# expect: side-effect-in-transaction
# pattern: an admin action (decorated) calls S3 through a boto3 resource
import boto3
from django.contrib import admin

from library.models import Book

s3 = boto3.resource("s3")


@admin.action(description="Publish the selected books")
def publish(modeladmin, request, queryset):
    for book in queryset:
        book.published = True
        book.save()
        s3.Bucket("books").put_object(Key=f"{book.pk}.json", Body=book.to_json())  # expect-line
