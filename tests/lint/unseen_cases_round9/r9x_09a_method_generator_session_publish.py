# expect: side-effect-in-transaction
# pattern: a SQLAlchemy repository method yields each batch of claimed rows from inside
#          "with session.begin()", so the Redis publish in the caller's loop runs before COMMIT
import json

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from outbox.models import Event

bus = redis.Redis()


class EventRelay:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claimed_batches(self, size=100):
        while True:
            with self.session.begin():
                events = self.session.scalars(select(Event).where(Event.sent.is_(False)).limit(size).with_for_update()).all()
                if not events:
                    return
                for event in events:
                    event.sent = True
                yield events

    def relay(self):
        for events in self.claimed_batches():
            for event in events:
                bus.publish(event.topic, json.dumps(event.payload))  # expect-line
