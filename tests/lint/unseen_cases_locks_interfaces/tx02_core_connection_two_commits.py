# expect: forgotten-transaction
# pattern: SQLAlchemy Core code commits the order header and its lines separately on
#          one connection; a failing line insert leaves an order without lines
from sqlalchemy import insert

from shop.db import engine
from shop.tables import order_lines, orders


def store_order(customer_id, lines):
    with engine.connect() as conn:
        result = conn.execute(insert(orders).values(customer_id=customer_id))  # expect-line
        conn.commit()
        order_id = result.inserted_primary_key[0]
        conn.execute(insert(order_lines), [dict(line, order_id=order_id) for line in lines])
        conn.commit()
    return order_id
