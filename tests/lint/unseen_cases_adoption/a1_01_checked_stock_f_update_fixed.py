# expect: none
# The update repeats the check in its filter, and a count of 0 means the stock ran out.
from django.db.models import F

from inventory.errors import OutOfStock
from inventory.models import Product


def reserve(product_id, quantity):
    product = Product.objects.get(pk=product_id)
    if product.stock < quantity:
        raise OutOfStock(product_id)
    taken = Product.objects.filter(pk=product_id, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not taken:
        raise OutOfStock(product_id)
    return product
