# expect: none
# fixed shape for sfx02: the task is sent after the commit
from functools import partial

from django.db import transaction

from proj.celery import app
from shop.models import Order


def place_order(cart):
    with transaction.atomic():
        order = Order.objects.create(customer=cart.customer, total=cart.total)
        transaction.on_commit(partial(app.send_task, "fulfilment.tasks.pick_order", args=[order.pk]))
    return order
