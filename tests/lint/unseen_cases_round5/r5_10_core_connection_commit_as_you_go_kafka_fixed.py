# expect: none
# fixed shape: produce after the connection committed
from confluent_kafka import Producer
from sqlalchemy import create_engine, insert

from ledger.tables import entries

engine = create_engine("postgresql://ledger@db/ledger")
producer = Producer({"bootstrap.servers": "kafka:9092"})


def record_entry(account_id: int, amount_cents: int) -> None:
    with engine.connect() as conn:
        conn.execute(insert(entries).values(account_id=account_id, amount_cents=amount_cents))
        conn.commit()
    producer.produce("ledger.entries", key=str(account_id), value=str(amount_cents))
    producer.flush()
