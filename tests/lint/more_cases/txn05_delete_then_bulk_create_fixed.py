# expect: none
# fixed shape for txn05: the delete and the insert are one transaction
from django.db import transaction

from carts.models import CartLine


@transaction.atomic
def replace_lines(cart, items):
    cart.lines.all().delete()
    CartLine.objects.bulk_create(
        [CartLine(cart=cart, sku=item["sku"], quantity=item["quantity"]) for item in items]
    )
    return cart
