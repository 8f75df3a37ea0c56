# expect: side-effect-in-transaction
# pattern: a SQLAlchemy "after_flush" listener publishes to Redis. Flushes run inside
#          the transaction (the last one during commit(), before COMMIT is sent), so
#          subscribers hear about messages that may still roll back
import json

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from chat.models import Message

bus = redis.Redis.from_url("redis://localhost:6379/0")


@event.listens_for(Session, "after_flush")
def announce_new_messages(session, flush_context):
    for obj in session.new:
        if isinstance(obj, Message):
            bus.publish(f"room:{obj.room_id}", json.dumps({"id": obj.id, "body": obj.body}))  # expect-line
