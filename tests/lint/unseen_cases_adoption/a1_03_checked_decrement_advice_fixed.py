# expect: none
# The advised conditional update: the filter holds the check, the count tells the result.
from django.db.models import F

from inventory.errors import OutOfStock
from inventory.models import Product


def reserve(product_id, quantity):
    product = Product.objects.get(pk=product_id)
    if product.stock < quantity:
        raise OutOfStock(product_id)
    taken = Product.objects.filter(pk=product.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not taken:
        raise OutOfStock(product_id)
