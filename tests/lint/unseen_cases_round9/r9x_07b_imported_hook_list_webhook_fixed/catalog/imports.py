from django.db import transaction

from catalog.hooks import AFTER_IMPORT
from catalog.models import Product


def import_products(rows):
    with transaction.atomic():
        products = [Product.objects.create(**row) for row in rows]
        for hook in AFTER_IMPORT:
            hook(products)
    return products
