# expect: none
from functools import partial

import boto3
from django.contrib import admin
from django.db import transaction

from library.models import Book

s3 = boto3.resource("s3")


@admin.action(description="Publish the selected books")
def publish(modeladmin, request, queryset):
    for book in queryset:
        book.published = True
        book.save()
        transaction.on_commit(partial(s3.Bucket("books").put_object, Key=f"{book.pk}.json", Body=book.to_json()))
