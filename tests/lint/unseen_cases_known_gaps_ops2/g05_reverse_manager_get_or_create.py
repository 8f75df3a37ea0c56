# expect: missing-lock
# pattern: an order's line for a SKU is fetched or added through the reverse manager
#          order.items; no unique constraint covers (order, sku), so two requests that add
#          the same SKU both insert a line
from django.db import models


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, related_name="items", on_delete=models.CASCADE)
    sku = models.CharField(max_length=40)
    quantity = models.PositiveIntegerField(default=0)


def add_to_order(order: Order, sku: str) -> OrderItem:
    item, _ = order.items.get_or_create(sku=sku, defaults={"quantity": 1})  # expect-line
    return item
