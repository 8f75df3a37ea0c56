# expect: missing-lock
# pattern: stock decremented in Python on a related object; the F import is present but
#          unused for this field
from django.db.models import F as DbField

from shop.models import Product


def reserve(product_id, count):
    product = Product.objects.get(pk=product_id)
    product.reserved = DbField("reserved") + count
    product.stock.available -= count  # expect-line
    product.stock.save()
