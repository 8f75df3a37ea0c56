# expect: none
# fixed shape: the record is produced once the block commits
from functools import partial

from confluent_kafka import Producer
from django.db import transaction

from shipping.models import Shipment

producer = Producer({"bootstrap.servers": "localhost:9092"})


class ShipmentDispatcher:
    @transaction.atomic
    def dispatch(self, shipment_id, carrier):
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        shipment.carrier = carrier
        shipment.state = "dispatched"
        shipment.save()
        transaction.on_commit(
            partial(producer.produce, "shipments", key=str(shipment.pk), value=carrier.encode())
        )
        shipment.events.create(kind="dispatched")
        return shipment
