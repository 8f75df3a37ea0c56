# expect: none
# fixed shape: commit, then tell the carrier
import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

from partners.models import Shipment

engine = create_engine("postgresql://ship@db/ship")
Session = scoped_session(sessionmaker(bind=engine))


def book_shipment(order_id: int, carrier_url: str) -> int:
    shipment = Shipment(order_id=order_id, state="booked")
    Session.add(shipment)
    Session.flush()
    shipment_id = shipment.id
    Session.commit()
    requests.post(carrier_url, json={"shipment": shipment_id}, timeout=5)
    return shipment_id
