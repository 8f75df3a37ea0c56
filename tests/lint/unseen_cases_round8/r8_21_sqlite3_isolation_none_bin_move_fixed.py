# expect: none
# fixed shape for r8_21: the three statements run between an explicit BEGIN IMMEDIATE
# and COMMIT, and any error rolls them back
import sqlite3


class OutOfStock(Exception):
    pass


def connect(path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def move_stock(conn, sku, from_bin, to_bin, quantity):
    conn.execute("BEGIN IMMEDIATE")
    try:
        taken = conn.execute(
            "UPDATE bin_stock SET qty = qty - ? WHERE sku = ? AND bin = ? AND qty >= ?",
            (quantity, sku, from_bin, quantity),
        ).rowcount
        if taken == 0:
            raise OutOfStock(sku, from_bin)
        conn.execute(
            "INSERT INTO bin_stock (sku, bin, qty) VALUES (?, ?, ?) "
            "ON CONFLICT (sku, bin) DO UPDATE SET qty = qty + excluded.qty",
            (sku, to_bin, quantity),
        )
        conn.execute(
            "INSERT INTO stock_moves (sku, from_bin, to_bin, qty) VALUES (?, ?, ?, ?)",
            (sku, from_bin, to_bin, quantity),
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
