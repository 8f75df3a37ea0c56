# expect: side-effect-in-transaction
# expect-message: make the request before the transaction opens
# An exchange rate is fetched while the product row is locked. The read feeds the new
# price, so it cannot be deferred until after commit; it belongs before the block.
from decimal import Decimal

import requests
from django.db import transaction

from shop.models import Product


def reprice_in_usd(product_id):
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product_id)
        rate = Decimal(requests.get("https://rates.example/usd", timeout=5).json()["rate"])  # expect-line
        product.price = (product.price * rate).quantize(Decimal("0.01"))
        product.save(update_fields=["price"])
