# expect: none
from functools import partial

from django.db import transaction

from shop.models import Order
from shop.services.orders import confirm


@transaction.atomic
def checkout(request, order_id):
    order = Order.objects.get(pk=order_id)
    order.status = "paid"
    order.save()
    transaction.on_commit(partial(confirm, order))
