# expect: none
# fixed shape for lk13: the check and the decrement are one conditional UPDATE with F()
from django.db.models import F

from inventory.models import Product


def sell(product_id, quantity):
    sold = Product.objects.filter(pk=product_id, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    if not sold:
        raise ValueError("not enough stock")
