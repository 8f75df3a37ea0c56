# expect: missing-lock
# pattern: the stock is read with values_list() and written with update() from the value
#          read; the update() looks atomic but writes a number computed from a stale read
from inventory.models import Product


def sell(product_id, quantity):
    stock = Product.objects.filter(pk=product_id).values_list("stock", flat=True).get()  # expect-line
    if stock < quantity:
        raise ValueError("not enough stock")
    Product.objects.filter(pk=product_id).update(stock=stock - quantity)
