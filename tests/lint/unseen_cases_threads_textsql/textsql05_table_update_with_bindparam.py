# expect: missing-lock
# pattern: Table.update() with a bindparam; the new stock is computed in Python from a
#          text SELECT and passed as the execute() parameter
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from shop.schema import inventory_table


def reserve(conn: Connection, sku: str, quantity: int) -> None:
    stock = conn.scalar(text("SELECT stock FROM inventory WHERE sku = :sku"), {"sku": sku})  # expect-line
    if stock < quantity:
        raise ValueError(f"only {stock} left of {sku}")
    statement = inventory_table.update().where(inventory_table.c.sku == sku).values(stock=bindparam("left"))
    conn.execute(statement, {"left": stock - quantity})
