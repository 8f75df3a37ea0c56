# expect: side-effect-in-transaction
# pattern: a stock change is announced on the message bus at the top of a unit_of_work()
#          block, before the movement row is written. The block commits only when it ends, so a
#          failing write leaves subscribers with a change that never happened.
import pika

from .unit import unit_of_work

channel = pika.BlockingConnection(pika.ConnectionParameters("localhost")).channel()


def receive_delivery(sku, quantity, models):
    with unit_of_work() as session:
        channel.basic_publish(exchange="stock", routing_key=sku, body=str(quantity))  # expect-line
        session.add(models.Movement(sku=sku, quantity=quantity))
