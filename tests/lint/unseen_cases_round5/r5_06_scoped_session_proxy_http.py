# expect: side-effect-in-transaction
# pattern: writes through a scoped_session registry (class-level proxy calls), then an HTTP
#          call to the partner before Session.commit(); the partner calls back too early
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
    requests.post(carrier_url, json={"shipment": shipment.id}, timeout=5)  # expect-line
    Session.commit()
    return shipment.id
