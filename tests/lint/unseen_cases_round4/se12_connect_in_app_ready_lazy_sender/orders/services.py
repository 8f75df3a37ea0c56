# expect: side-effect-in-transaction
# pattern: AppConfig.ready() connects a post_save handler from another module with a lazy
#          "app_label.Model" sender string; the handler calls the fulfilment webhook, and
#          the order is created inside atomic(), so the webhook fires before the commit
from django.db import transaction

from orders.models import Order


def place_order(customer, cart):
    with transaction.atomic():
        order = Order.objects.create(customer=customer, total=cart.total)  # via-indirection
        for item in cart.items:
            order.lines.create(sku=item.sku, quantity=item.quantity)
    return order
