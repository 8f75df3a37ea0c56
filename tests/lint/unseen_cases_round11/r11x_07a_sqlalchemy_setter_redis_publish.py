# expect: side-effect-in-transaction
# pattern: the status setter of a SQLAlchemy model publishes the change on a Redis channel.
#          The route sets it on an annotated parameter inside session.begin(), so dashboards
#          hear about a shipment whose update can still roll back.
import json

import redis
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

events = redis.Redis()


class Base(DeclarativeBase):
    pass


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    _status: Mapped[str] = mapped_column("status", default="pending")

    @property
    def status(self) -> str:
        return self._status

    @status.setter
    def status(self, value: str) -> None:
        self._status = value
        events.publish("shipments", json.dumps({"id": self.id, "status": value}))  # expect-line


def mark_delivered(session: Session, shipment: Shipment, signed_by: str) -> None:
    with session.begin():
        shipment.status = "delivered"  # via-indirection
        session.execute(Shipment.__table__.update().where(Shipment.id == shipment.id).values(signed_by=signed_by))
