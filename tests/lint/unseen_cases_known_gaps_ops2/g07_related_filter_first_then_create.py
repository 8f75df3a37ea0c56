# expect: missing-lock
# pattern: a cart line is looked up with cart.lines.filter(...).first() and created through
#          the same related manager when missing; two requests for one product both miss
#          and both create a line
from django.db import models


class Cart(models.Model):
    session_key = models.CharField(max_length=40, unique=True)


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, related_name="lines", on_delete=models.CASCADE)
    product_id = models.IntegerField()
    quantity = models.PositiveIntegerField(default=0)


def add_product(cart: Cart, product_id: int, quantity: int) -> CartLine:
    line = cart.lines.filter(product_id=product_id).first()  # expect-line
    if line is None:
        line = cart.lines.create(product_id=product_id, quantity=quantity)
    return line
