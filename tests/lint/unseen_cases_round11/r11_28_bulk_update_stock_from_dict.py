# expect: missing-lock
# pattern: the products of a cart are loaded into a dict, their stock is decreased in
#          Python and written back with bulk_update(). Two checkouts that read the same
#          stock both pass the check, and the later bulk_update() overwrites the other.
from shop.models import Product


class OutOfStock(Exception):
    pass


def reserve_stock(lines):
    products = {product.pk: product for product in Product.objects.filter(pk__in=[line.product_id for line in lines])}
    for line in lines:
        product = products[line.product_id]
        if product.stock < line.quantity:
            raise OutOfStock(product.sku)
        product.stock -= line.quantity  # expect-line
    Product.objects.bulk_update(products.values(), ["stock"])
