# expect: side-effect-in-transaction
# pattern: the kombu message is published inside a SQLAlchemy 2.0 "with Session.begin()"
#          block, so a consumer can look up a shipment that is not committed yet
from kombu import Connection, Exchange, Producer
from sqlalchemy.orm import sessionmaker

from logistics.db import engine
from logistics.models import Shipment

Session = sessionmaker(engine)
shipments_exchange = Exchange("shipments", type="topic")


def book_shipment(order_id: int, carrier: str, broker_url: str) -> int:
    with Connection(broker_url) as broker:
        producer = Producer(broker.channel(), exchange=shipments_exchange)
        with Session.begin() as session:
            shipment = Shipment(order_id=order_id, carrier=carrier, state="booked")
            session.add(shipment)
            session.flush()
            shipment_id = shipment.id
            producer.publish(  # expect-line
                {"shipment_id": shipment_id, "carrier": carrier},
                routing_key=f"shipment.booked.{carrier}",
                declare=[shipments_exchange],
            )
    return shipment_id
