# expect: forgotten-transaction
# pattern: the atomic() block ends one statement too early; the payment row is written
#          after the order committed, so a failing payment insert leaves a paid-looking
#          order with no payment
from django.db import transaction

from shop.models import Order, OrderLine, Payment


def checkout(cart, charge):
    with transaction.atomic():  # expect-line
        order = Order.objects.create(customer=cart.customer, total=cart.total, status="paid")
        OrderLine.objects.bulk_create(OrderLine(order=order, sku=i.sku, quantity=i.quantity) for i in cart.items)
    Payment.objects.create(order=order, amount=cart.total, charge_id=charge.id)
    return order
