# expect: side-effect-in-transaction
# pattern: durable=True guarantees the block commits when it exits, but the Kafka send
#          sits inside the block, before that commit
import json

from django.db import transaction
from django.utils import timezone
from kafka import KafkaProducer

from settlements.models import SettlementBatch

producer = KafkaProducer(bootstrap_servers=["kafka:9092"])


def settle_batch(batch_id):
    with transaction.atomic(durable=True):
        batch = SettlementBatch.objects.select_for_update().get(pk=batch_id)
        batch.settled_at = timezone.now()
        batch.save(update_fields=["settled_at"])
        producer.send(  # expect-line
            "settlements",
            key=str(batch.pk).encode(),
            value=json.dumps({"batch": batch.pk, "total": str(batch.total)}).encode(),
        )
