# expect: none
# fixed shape for sfx10: the event is published after engine.begin() has committed
from kombu import Connection, Exchange
from sqlalchemy import insert

from audit.db import engine
from audit.tables import events

exchange = Exchange("audit", type="topic")


def record_login(user_id, address):
    with engine.begin() as connection:
        connection.execute(insert(events).values(user_id=user_id, kind="login", address=address))
    with Connection("amqp://guest:guest@127.0.0.1:5672//") as broker:
        producer = broker.Producer()
        producer.publish({"user": user_id}, exchange=exchange, routing_key="login")
