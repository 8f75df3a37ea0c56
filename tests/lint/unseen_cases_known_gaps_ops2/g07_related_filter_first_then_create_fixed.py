# expect: none
# fixed shape for g07: a UniqueConstraint on (cart, product_id) and get_or_create()
#          through the related manager, which returns the line that won the race
from django.db import models


class Cart(models.Model):
    session_key = models.CharField(max_length=40, unique=True)


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, related_name="lines", on_delete=models.CASCADE)
    product_id = models.IntegerField()
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cart", "product_id"], name="one_line_per_product")]


def add_product(cart: Cart, product_id: int, quantity: int) -> CartLine:
    line, _ = cart.lines.get_or_create(product_id=product_id, defaults={"quantity": quantity})
    return line
