# expect: side-effect-in-transaction
# pattern: SQLAlchemy session.begin() block publishes to RabbitMQ through kombu
from kombu import Connection, Producer
from sqlalchemy.orm import Session

from store.models import Order

connection = Connection("amqp://127.0.0.1//")
producer = Producer(connection)


def place(engine, customer_id):
    with Session(engine) as session:
        with session.begin():
            order = Order(customer_id=customer_id)
            session.add(order)
            session.flush()
            producer.publish({"order": order.id}, routing_key="orders")  # expect-line
        return order.id
