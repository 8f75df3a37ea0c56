# expect: forgotten-transaction
# pattern: "replace all variants" deletes the old rows, then creates the new ones in a
#          list comprehension, all in autocommit. A bad row halfway (a duplicate SKU)
#          leaves the product with only some of its variants, or none.
from shop.models import Product, Variant


def replace_variants(product: Product, variants: list[dict]) -> list[Variant]:
    product.variants.all().delete()  # expect-line
    return [
        Variant.objects.create(product=product, sku=data["sku"], size=data["size"], price=data["price"])
        for data in variants
    ]
