"""Count ``ITEMS`` items, ``PAUSE`` seconds each, writing progress to a SQLite table.

Usage: ``python progress_worker.py DATABASE ITEMS PAUSE``. The writer updates row 1 of
the ``progress`` table in its own short transaction, while the loop keeps a write
transaction of its own open on another connection, as an operation would.
"""

from __future__ import annotations

import sqlite3
import sys
import time

from opsgen.runtime.progress import Progress, ProgressSnapshot


def main(database: str, items: int, pause: float) -> None:
    def write(snapshot: ProgressSnapshot) -> None:
        connection = sqlite3.connect(database, timeout=10, isolation_level=None)
        try:
            connection.execute(
                "UPDATE progress SET total = ?, done = ?, message = ? WHERE id = 1",
                (snapshot.total, snapshot.done, snapshot.message),
            )
        finally:
            connection.close()

    progress = Progress(write, min_interval=0.2)
    progress.set_total(items)
    for number in range(items):
        time.sleep(pause)
        progress.advance(message=f"item {number}")
    progress.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
