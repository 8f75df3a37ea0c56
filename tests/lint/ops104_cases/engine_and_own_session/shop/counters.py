from sqlalchemy import text

from shop.database import engine


def bump_orders_today():
    with engine.begin() as conn:
        conn.execute(text("UPDATE counters SET value = value + 1 WHERE name = 'orders_today'"))


def bump_sku_total(sku, quantity):
    with engine.connect() as conn:
        conn.execute(text("UPDATE sku_totals SET total = total + :q WHERE sku = :s"), {"q": quantity, "s": sku})
        conn.commit()
