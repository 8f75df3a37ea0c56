# expect: none
# fixed shape for r8_06: a transactional outbox. The after_insert mapper event writes an
# outbox row on the flush's own connection, so the row commits or rolls back with the
# shipment; a separate relay process publishes committed outbox rows to RabbitMQ.
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, event, func, insert
from sqlalchemy.orm import Session

from logistics.models import Shipment

metadata = MetaData()

outbox_messages = Table(
    "outbox_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("routing_key", String(120), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now()),
)


@event.listens_for(Shipment, "after_insert")
def record_new_shipment(mapper, connection, target):
    connection.execute(
        insert(outbox_messages).values(
            routing_key=f"shipment.created.{target.carrier}",
            payload={"id": target.id, "carrier": target.carrier, "weight_grams": target.weight_grams},
        )
    )


def book_shipments(session: Session, parcels):
    for parcel in parcels:
        session.add(Shipment(carrier=parcel.carrier, weight_grams=parcel.weight_grams))
    session.commit()
