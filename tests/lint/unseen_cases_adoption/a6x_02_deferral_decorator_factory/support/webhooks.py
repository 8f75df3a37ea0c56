# expect: side-effect-in-transaction
# The decorator's name promises a deferral, but its wrapper runs the POST at once,
# inside the @atomic function that refunds the order.
import requests
from django.db import transaction

from shop.hooks import after_commit


@after_commit(using="default")
def post_refund(order_id):
    requests.post("https://erp.example/refunds", json={"order": order_id}, timeout=5)


@transaction.atomic
def refund(order):
    order.status = "refunded"
    order.save(update_fields=["status"])
    post_refund(order.pk)  # via-indirection
