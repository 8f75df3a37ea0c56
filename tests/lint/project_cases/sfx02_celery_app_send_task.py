# expect: side-effect-in-transaction
# pattern: the task is sent by name through the project's Celery app instance, imported
#          from the module that builds it; the worker may run before the order commits
from django.db import transaction

from proj.celery import app
from shop.models import Order


def place_order(cart):
    with transaction.atomic():
        order = Order.objects.create(customer=cart.customer, total=cart.total)
        app.send_task("fulfilment.tasks.pick_order", args=[order.pk])  # expect-line
    return order
