# expect: side-effect-in-transaction
# pattern: a Core insert through the session, then a Redis publish, then commit()
import redis
from sqlalchemy import insert

from chat.tables import messages

bus = redis.Redis.from_url("redis://127.0.0.1:6379/0")


def post(session, room, text):
    session.execute(insert(messages).values(room=room, text=text))
    bus.publish(f"room:{room}", text)  # expect-line
    session.commit()
