# expect: none
# fixed shape for r9_06: after_flush only collects the payloads in session.info.
# after_commit publishes them and after_rollback drops them
import json

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from chat.models import Message

bus = redis.Redis.from_url("redis://localhost:6379/0")


@event.listens_for(Session, "after_flush")
def collect_new_messages(session, flush_context):
    pending = session.info.setdefault("new_messages", [])
    for obj in session.new:
        if isinstance(obj, Message):
            pending.append((obj.room_id, {"id": obj.id, "body": obj.body}))


@event.listens_for(Session, "after_commit")
def announce_new_messages(session):
    for room_id, payload in session.info.pop("new_messages", []):
        bus.publish(f"room:{room_id}", json.dumps(payload))


@event.listens_for(Session, "after_rollback")
def drop_new_messages(session):
    session.info.pop("new_messages", None)
