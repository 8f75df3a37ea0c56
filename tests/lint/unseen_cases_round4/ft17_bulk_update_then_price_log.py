# expect: forgotten-transaction
# pattern: a price import bulk-updates the products, then bulk-creates the price history;
#          a failing history insert leaves new prices with no record of the change
from django.utils import timezone

from catalog.models import PriceChange, Product


def apply_price_list(rows):
    products = list(Product.objects.filter(sku__in=[row.sku for row in rows]))
    by_sku = {product.sku: product for product in products}
    for row in rows:
        by_sku[row.sku].price = row.price
    Product.objects.bulk_update(products, ["price"])  # expect-line
    now = timezone.now()
    PriceChange.objects.bulk_create(PriceChange(product=by_sku[row.sku], price=row.price, at=now) for row in rows)
