# expect: side-effect-in-transaction
# pattern: an after_flush listener runs inside the session's transaction
from kafka import KafkaProducer
from sqlalchemy import event
from sqlalchemy.orm import Session

producer = KafkaProducer(bootstrap_servers="127.0.0.1:9092")


@event.listens_for(Session, "after_flush")
def announce_new_rows(session, flush_context):
    for row in session.new:
        producer.send("rows", repr(row).encode())  # expect-line
