# expect: none
# fixed shape: the rows are locked, in primary key order to avoid deadlocks, until the
#              bulk_update() commits
from django.db import transaction

from shop.models import Product


class OutOfStock(Exception):
    pass


def reserve_stock(lines):
    with transaction.atomic():
        locked = Product.objects.select_for_update().filter(pk__in=[line.product_id for line in lines]).order_by("pk")
        products = {product.pk: product for product in locked}
        for line in lines:
            product = products[line.product_id]
            if product.stock < line.quantity:
                raise OutOfStock(product.sku)
            product.stock -= line.quantity
        Product.objects.bulk_update(products.values(), ["stock"])
