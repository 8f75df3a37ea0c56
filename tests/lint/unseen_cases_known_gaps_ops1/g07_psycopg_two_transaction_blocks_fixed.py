# expect: none
import psycopg


class OrderRepository:
    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn)

    def place(self, customer_id: int, lines: list[tuple[str, int]]) -> int:
        with self.conn.transaction():
            order_id = self.conn.execute(
                "INSERT INTO orders (customer_id) VALUES (%s) RETURNING id",
                (customer_id,),
            ).fetchone()[0]
            with self.conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO order_lines (order_id, sku, quantity) VALUES (%s, %s, %s)",
                    [(order_id, sku, quantity) for sku, quantity in lines],
                )
        return order_id
