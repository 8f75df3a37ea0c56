# expect: none
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
            order_id = order.id
        producer.publish({"order": order_id}, routing_key="orders")
        return order_id
