# expect: none
# fixed shape: the prices and their history commit together
from django.db import transaction
from django.utils import timezone

from catalog.models import PriceChange, Product


@transaction.atomic
def apply_price_list(rows):
    products = list(Product.objects.filter(sku__in=[row.sku for row in rows]))
    by_sku = {product.sku: product for product in products}
    for row in rows:
        by_sku[row.sku].price = row.price
    Product.objects.bulk_update(products, ["price"])
    now = timezone.now()
    PriceChange.objects.bulk_create(PriceChange(product=by_sku[row.sku], price=row.price, at=now) for row in rows)
