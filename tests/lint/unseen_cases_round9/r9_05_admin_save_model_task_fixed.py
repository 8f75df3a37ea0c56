# expect: none
# fixed shape for r9_05: the task is sent when the admin's transaction commits
from functools import partial

from django.contrib import admin
from django.db import transaction

from catalog.models import Product
from catalog.tasks import reindex_product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "title", "published")
    search_fields = ("sku", "title")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(partial(reindex_product.apply_async, args=[obj.pk], queue="search"))
