# expect: none
# fixed shape for r9_01: the id is copied inside the block, and the message is published after
# Session.begin() has committed and closed the session
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
        producer.publish(
            {"shipment_id": shipment_id, "carrier": carrier},
            routing_key=f"shipment.booked.{carrier}",
            declare=[shipments_exchange],
        )
    return shipment_id
