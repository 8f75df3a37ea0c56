# expect: side-effect-in-transaction
# pattern: no atomic() in the view. The project's middleware (middleware.py, enabled in
#          settings.MIDDLEWARE) runs every POST in one transaction, so the RabbitMQ
#          message leaves before the COMMIT and survives a failing receipt insert.
import json

import pika
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
    channel.basic_publish(exchange="orders", routing_key="order.paid", body=json.dumps({"order": order.pk}))  # expect-line
    Receipt.objects.create(order=order, amount=order.total)
    return JsonResponse({"state": order.state})
