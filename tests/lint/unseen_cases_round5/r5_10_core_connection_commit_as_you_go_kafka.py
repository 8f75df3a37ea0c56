# expect: side-effect-in-transaction
# pattern: SQLAlchemy 2.0 Connection in commit-as-you-go mode: execute(insert) begins a
#          transaction, the Kafka produce happens before conn.commit()
from confluent_kafka import Producer
from sqlalchemy import create_engine, insert

from ledger.tables import entries

engine = create_engine("postgresql://ledger@db/ledger")
producer = Producer({"bootstrap.servers": "kafka:9092"})


def record_entry(account_id: int, amount_cents: int) -> None:
    with engine.connect() as conn:
        conn.execute(insert(entries).values(account_id=account_id, amount_cents=amount_cents))
        producer.produce("ledger.entries", key=str(account_id), value=str(amount_cents))  # expect-line
        conn.commit()
