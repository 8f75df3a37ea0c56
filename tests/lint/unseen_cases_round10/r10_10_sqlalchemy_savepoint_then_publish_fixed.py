# expect: none
# fixed shape for r10_10: the helper only writes, and the caller publishes once the
#          outer transaction has committed
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
    return message


def import_transcript(room_id, lines):
    with Session.begin() as session:
        session.add(Room(id=room_id, name=f"import-{room_id}"))
        message_ids = [post_message(session, room_id, author_id, body).id for author_id, body in lines]
    for message_id in message_ids:
        bus.publish(f"room:{room_id}", json.dumps({"message_id": message_id}))
