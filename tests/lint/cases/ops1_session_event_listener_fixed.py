# expect: none
from kafka import KafkaProducer
from sqlalchemy import event
from sqlalchemy.orm import Session

producer = KafkaProducer(bootstrap_servers="127.0.0.1:9092")


@event.listens_for(Session, "after_flush")
def remember_new_rows(session, flush_context):
    session.info.setdefault("new_rows", []).extend(repr(row) for row in session.new)


@event.listens_for(Session, "after_commit")
def announce_new_rows(session):
    for row in session.info.pop("new_rows", []):
        producer.send("rows", row.encode())
