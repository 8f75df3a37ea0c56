# expect: missing-lock
# expect-message: Product.objects.filter(pk=product.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
# A stock check guards a decrement of the copy in memory. The remedy must keep the
# check: an update with F() alone would let two reservations pass it.
from inventory.errors import OutOfStock
from inventory.models import Product


def reserve(product_id, quantity):
    product = Product.objects.get(pk=product_id)
    if product.stock < quantity:
        raise OutOfStock(product_id)
    product.stock = product.stock - quantity  # expect-line
    product.save(update_fields=["stock"])
