# expect: none
# fixed shape: the product row is locked too before its stock is changed
from django.db import transaction

from shop.models import Order, Product


def confirm_order(order_id):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state != Order.PENDING:
            return order
        product = Product.objects.select_for_update().get(pk=order.product_id)
        product.stock -= order.quantity
        product.save(update_fields=["stock"])
        order.state = Order.CONFIRMED
        order.save(update_fields=["state"])
    return order
