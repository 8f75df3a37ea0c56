# expect: none
# fixed shape for tx02: engine.begin() commits the header and the lines once
from sqlalchemy import insert

from shop.db import engine
from shop.tables import order_lines, orders


def store_order(customer_id, lines):
    with engine.begin() as conn:
        result = conn.execute(insert(orders).values(customer_id=customer_id))
        order_id = result.inserted_primary_key[0]
        conn.execute(insert(order_lines), [dict(line, order_id=order_id) for line in lines])
    return order_id
