# expect: none
# fixed shape: the decrement happens in the database with F()
from django.db import transaction
from django.db.models import F

from shop.models import Order, Product


def fulfil(order_id):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        for line in order.lines.all():
            Product.objects.filter(pk=line.product_id).update(stock=F("stock") - line.quantity)
        order.status = "fulfilled"
        order.save(update_fields=["status"])
