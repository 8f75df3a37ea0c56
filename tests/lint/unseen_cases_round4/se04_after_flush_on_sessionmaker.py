# expect: side-effect-in-transaction
# pattern: an after_flush listener on the sessionmaker publishes each new order to Redis;
#          the flush runs inside the transaction, so subscribers look the order up before
#          it commits, and a rollback leaves them with an id that never existed
import os

import redis
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

from shop.models import Order

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
redis_client = redis.Redis.from_url(os.environ["REDIS_URL"])


@event.listens_for(SessionLocal, "after_flush")
def publish_new_orders(session, flush_context):
    for obj in session.new:
        if isinstance(obj, Order):
            redis_client.publish("orders.created", str(obj.id))  # expect-line


def create_order(customer_id, total):
    with SessionLocal.begin() as session:
        order = Order(customer_id=customer_id, total=total)
        session.add(order)
    return order
