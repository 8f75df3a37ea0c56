# expect: none
# fixed shape: after_flush only records the ids in session.info, and an after_commit
#          listener publishes them once the rows are committed
import os

import redis
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

from shop.models import Order

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
redis_client = redis.Redis.from_url(os.environ["REDIS_URL"])


@event.listens_for(SessionLocal, "after_flush")
def collect_new_orders(session, flush_context):
    created = session.info.setdefault("created_order_ids", [])
    created.extend(obj.id for obj in session.new if isinstance(obj, Order))


@event.listens_for(SessionLocal, "after_commit")
def publish_new_orders(session):
    for order_id in session.info.pop("created_order_ids", []):
        redis_client.publish("orders.created", str(order_id))


@event.listens_for(SessionLocal, "after_rollback")
def forget_new_orders(session):
    session.info.pop("created_order_ids", None)


def create_order(customer_id, total):
    with SessionLocal.begin() as session:
        order = Order(customer_id=customer_id, total=total)
        session.add(order)
    return order
