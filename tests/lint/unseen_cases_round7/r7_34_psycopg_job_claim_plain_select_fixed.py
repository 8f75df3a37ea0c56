# expect: none
import psycopg


def claim_next_job(conn: psycopg.Connection, worker: str) -> int | None:
    with conn.transaction():
        row = conn.execute(
            "SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED"
        ).fetchone()
        if row is None:
            return None
        conn.execute(
            "UPDATE jobs SET state = 'running', worker = %s WHERE id = %s",
            (worker, row[0]),
        )
    return row[0]
