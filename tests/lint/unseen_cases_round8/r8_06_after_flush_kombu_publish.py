# expect: side-effect-in-transaction
# pattern: an after_flush session listener publishes each new shipment to RabbitMQ
#          through kombu; after_flush runs inside the transaction, so a rollback after
#          the flush leaves consumers holding shipments that were never stored
from kombu import Connection, Exchange, Producer
from sqlalchemy import event
from sqlalchemy.orm import Session

from logistics.models import Shipment

shipments_exchange = Exchange("shipments", type="topic", durable=True)
broker = Connection("amqp://guest:guest@localhost//")
producer = Producer(broker.channel(), exchange=shipments_exchange)


@event.listens_for(Session, "after_flush")
def publish_new_shipments(session, flush_context):
    for obj in session.new:
        if isinstance(obj, Shipment):
            producer.publish(  # expect-line
                {"id": obj.id, "carrier": obj.carrier, "weight_grams": obj.weight_grams},
                routing_key=f"shipment.created.{obj.carrier}",
                declare=[shipments_exchange],
                retry=True,
            )


def book_shipments(session: Session, parcels):
    for parcel in parcels:
        session.add(Shipment(carrier=parcel.carrier, weight_grams=parcel.weight_grams))
    session.commit()
