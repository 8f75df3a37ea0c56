# expect: none
# fixed shape: the publish waits for the middleware's COMMIT
import json
from functools import partial

import pika
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from .models import Order, Receipt

connection = pika.BlockingConnection(pika.ConnectionParameters("localhost"))
channel = connection.channel()


@require_POST
def mark_paid(request, order_id):
    order = Order.objects.select_for_update().get(pk=order_id)
    order.state = Order.PAID
    order.save(update_fields=["state"])
    transaction.on_commit(
        partial(channel.basic_publish, exchange="orders", routing_key="order.paid", body=json.dumps({"order": order.pk}))
    )
    Receipt.objects.create(order=order, amount=order.total)
    return JsonResponse({"state": order.state})
