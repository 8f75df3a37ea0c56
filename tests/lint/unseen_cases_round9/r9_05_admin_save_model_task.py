# expect: side-effect-in-transaction
# pattern: the file has no atomic(), but the Django admin runs changeform_view inside
#          transaction.atomic, so the task sent from save_model() can read the old row
from django.contrib import admin

from catalog.models import Product
from catalog.tasks import reindex_product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "title", "published")
    search_fields = ("sku", "title")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reindex_product.apply_async(args=[obj.pk], queue="search")  # expect-line
