# expect: none
# fixed shape: the status and the stock change in one transaction
from django.db import transaction
from django.db.models import F

from shop.models import Order, Product


def mark_paid(order_id):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.status = "paid"
        order.save(update_fields=["status"])
        for line in order.lines.all():
            Product.objects.filter(pk=line.product_id).update(stock=F("stock") - line.quantity)
    return order
