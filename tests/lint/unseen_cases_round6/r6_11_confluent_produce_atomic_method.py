# expect: side-effect-in-transaction
# pattern: confluent-kafka Producer.produce() from a service method under @atomic;
#          consumers see the dispatch before the shipment row is committed
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
        producer.produce("shipments", key=str(shipment.pk), value=carrier.encode())  # expect-line
        shipment.events.create(kind="dispatched")
        return shipment
