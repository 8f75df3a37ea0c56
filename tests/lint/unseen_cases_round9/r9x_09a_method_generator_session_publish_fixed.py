# expect: none
# fixed shape for r9x_09a: the batch leaves "with session.begin()" (COMMIT) before it is yielded
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
                payloads = [(event.topic, event.payload) for event in events]
            yield payloads

    def relay(self):
        for payloads in self.claimed_batches():
            for topic, payload in payloads:
                bus.publish(topic, json.dumps(payload))
