# expect: none
# fixed shape for r9_10: publish once transactional_cursor() has committed
import json
from contextlib import contextmanager

from pika.adapters.blocking_connection import BlockingChannel

from shop.db import pool  # psycopg_pool.ConnectionPool


@contextmanager
def transactional_cursor():
    with pool.connection() as conn:
        with conn.transaction():
            with conn.cursor() as cur:
                yield cur


def request_return(order_id: int, reason: str, channel: BlockingChannel) -> None:
    with transactional_cursor() as cur:
        cur.execute("UPDATE orders SET status = 'return_requested' WHERE id = %s", (order_id,))
        cur.execute(
            "INSERT INTO return_requests (order_id, reason) VALUES (%s, %s)", (order_id, reason)
        )
    channel.basic_publish(
        exchange="returns",
        routing_key="return.requested",
        body=json.dumps({"order_id": order_id}),
    )
