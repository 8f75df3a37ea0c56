# expect: missing-lock
# expect-message: filter(pk=product.pk, stock__gte=quantity)
# The stock is checked on the copy loaded without a lock, then decremented with F().
# The arithmetic is atomic, but two reservations can both pass the check and drive
# the stock below zero.
from django.db.models import F

from inventory.errors import OutOfStock
from inventory.models import Product


def reserve(product_id, quantity):
    product = Product.objects.get(pk=product_id)  # expect-line
    if product.stock < quantity:
        raise OutOfStock(product_id)
    Product.objects.filter(pk=product_id).update(stock=F("stock") - quantity)
    return product
