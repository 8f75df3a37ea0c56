# expect: side-effect-in-transaction
# pattern: a helper writes inside session.begin_nested() and publishes as if the row were
#          committed. Leaving begin_nested() only releases a SAVEPOINT, and the caller's
#          outer transaction is still open.
import json

import redis
from sqlalchemy.orm import sessionmaker

from chat.db import engine
from chat.models import Message, Room

Session = sessionmaker(engine)
bus = redis.Redis()


def post_message(session, room_id, author_id, body):
    with session.begin_nested():
        message = Message(room_id=room_id, author_id=author_id, body=body)
        session.add(message)
    bus.publish(f"room:{room_id}", json.dumps({"message_id": message.id}))  # expect-line
    return message


def import_transcript(room_id, lines):
    with Session.begin() as session:
        session.add(Room(id=room_id, name=f"import-{room_id}"))
        for author_id, body in lines:
            post_message(session, room_id, author_id, body)  # via-indirection
