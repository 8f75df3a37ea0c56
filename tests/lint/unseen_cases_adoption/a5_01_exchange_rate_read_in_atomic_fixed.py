# expect: none
# The rate is fetched before the block opens, so no row lock waits on the network.
from decimal import Decimal

import requests
from django.db import transaction

from shop.models import Product


def reprice_in_usd(product_id):
    rate = Decimal(requests.get("https://rates.example/usd", timeout=5).json()["rate"])
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product_id)
        product.price = (product.price * rate).quantize(Decimal("0.01"))
        product.save(update_fields=["price"])
