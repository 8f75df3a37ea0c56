# expect: none
# fixed shape for textsql05: the code runs as an opsgen operation whose spec declares the
#          lock "inventory:{sku}", so a second reservation of the SKU waits for the first
from sqlalchemy import bindparam, text

from opsgen import ExecutionContext
from shop.schema import inventory_table


def reserve(ctx: ExecutionContext, sku: str, quantity: int) -> None:
    conn = ctx.session.connection()
    stock = conn.scalar(text("SELECT stock FROM inventory WHERE sku = :sku"), {"sku": sku})
    if stock < quantity:
        raise ValueError(f"only {stock} left of {sku}")
    statement = inventory_table.update().where(inventory_table.c.sku == sku).values(stock=bindparam("left"))
    conn.execute(statement, {"left": stock - quantity})
