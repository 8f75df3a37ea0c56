# expect: side-effect-in-transaction
# pattern: SQLAlchemy Core under engine.begin(); a kombu producer publishes the event
#          while the connection's transaction is still open
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
            producer.publish({"user": user_id}, exchange=exchange, routing_key="login")  # expect-line
