# expect: none
# fixed shape: the delete and the creates commit together
from django.db import transaction

from shop.models import Product, Variant


@transaction.atomic
def replace_variants(product: Product, variants: list[dict]) -> list[Variant]:
    product.variants.all().delete()
    return [
        Variant.objects.create(product=product, sku=data["sku"], size=data["size"], price=data["price"])
        for data in variants
    ]
