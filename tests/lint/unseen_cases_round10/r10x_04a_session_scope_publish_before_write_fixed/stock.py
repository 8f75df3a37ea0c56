# expect: none
# fixed shape for r10x_04a: the change is announced after the unit of work has committed
import pika

from .unit import unit_of_work

channel = pika.BlockingConnection(pika.ConnectionParameters("localhost")).channel()


def receive_delivery(sku, quantity, models):
    with unit_of_work() as session:
        session.add(models.Movement(sku=sku, quantity=quantity))
    channel.basic_publish(exchange="stock", routing_key=sku, body=str(quantity))
