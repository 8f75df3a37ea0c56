# expect: none
# fixed shape: the publish is deferred to the commit of the outermost transaction, which
#          is the view's when it calls reserve_stock() inside its own atomic()
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
        order_id = order.pk
        transaction.on_commit(lambda: publisher.publish(TOPIC, str(order_id).encode()))
