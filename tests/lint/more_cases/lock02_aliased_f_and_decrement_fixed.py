# expect: none
# fixed shape for lock02: both counters change in the database, in one transaction
from django.db import transaction
from django.db.models import F as DbField

from shop.models import Product, Stock


def reserve(product_id, count):
    with transaction.atomic():
        Product.objects.filter(pk=product_id).update(reserved=DbField("reserved") + count)
        Stock.objects.filter(product_id=product_id).update(available=DbField("available") - count)
