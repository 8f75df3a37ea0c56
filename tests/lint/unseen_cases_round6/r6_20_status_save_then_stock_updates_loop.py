# expect: forgotten-transaction
# pattern: an order is marked paid, then the stock of each product is reduced, all in
#          autocommit; a failure midway leaves a paid order with part of its stock taken
from django.db.models import F

from shop.models import Order, Product


def mark_paid(order_id):
    order = Order.objects.get(pk=order_id)
    order.status = "paid"
    order.save(update_fields=["status"])  # expect-line
    for line in order.lines.all():
        Product.objects.filter(pk=line.product_id).update(stock=F("stock") - line.quantity)
    return order
