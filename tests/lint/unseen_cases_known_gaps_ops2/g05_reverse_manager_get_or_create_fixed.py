# expect: none
# fixed shape for g05: a UniqueConstraint on (order, sku), so the insert that loses the
#          race raises IntegrityError and get_or_create() returns the line that won
from django.db import models


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, related_name="items", on_delete=models.CASCADE)
    sku = models.CharField(max_length=40)
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "sku"], name="one_line_per_sku")]


def add_to_order(order: Order, sku: str) -> OrderItem:
    item, _ = order.items.get_or_create(sku=sku, defaults={"quantity": 1})
    return item
