# expect: side-effect-in-transaction
# pattern: reserve_stock() publishes after its own atomic() block, which looks committed;
#          the checkout view calls it inside another atomic(), so that block is only a
#          savepoint and the message goes out before anything commits
from django.db import transaction
from django.db.models import F
from google.cloud import pubsub_v1

from inventory.models import Product

publisher = pubsub_v1.PublisherClient()
TOPIC = publisher.topic_path("shop-prod", "stock-reserved")


def reserve_stock(order):
    with transaction.atomic():
        for line in order.lines.all():
            Product.objects.filter(pk=line.product_id).update(reserved=F("reserved") + line.quantity)
    publisher.publish(TOPIC, str(order.pk).encode())  # expect-line
