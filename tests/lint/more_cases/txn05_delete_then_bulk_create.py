# expect: forgotten-transaction
# pattern: a cart is rebuilt by deleting its lines and bulk-inserting new ones; if the
#          insert fails the customer is left with an empty cart
from carts.models import CartLine


def replace_lines(cart, items):
    cart.lines.all().delete()  # expect-line
    CartLine.objects.bulk_create(
        [CartLine(cart=cart, sku=item["sku"], quantity=item["quantity"]) for item in items]
    )
    return cart
