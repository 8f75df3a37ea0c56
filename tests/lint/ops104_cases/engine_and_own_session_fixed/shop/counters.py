from sqlalchemy import text


def bump_orders_today(connection):
    connection.execute(text("UPDATE counters SET value = value + 1 WHERE name = 'orders_today'"))


def bump_sku_total(connection, sku, quantity):
    connection.execute(text("UPDATE sku_totals SET total = total + :q WHERE sku = :s"), {"q": quantity, "s": sku})
