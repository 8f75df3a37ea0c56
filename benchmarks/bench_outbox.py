"""``opsgen outbox drain`` over a backlog of due rows against a hand-written relay loop.

Each round inserts the same backlog of N pending durable effects, each with its
execution record, as a killed application leaves them, and times one drain of the
whole backlog with a handler that does nothing. The baseline, measured in the same
run on the same database, is hand-written SQLAlchemy that selects the due rows 100 at
a time, oldest first, calls the same handler for each row and deletes the row in its
own transaction. A second baseline deletes each page in one transaction, which is
faster but delivers a whole page again after a crash. The drain claims each page of
due rows in one transaction and writes the outcomes of the page in another (more
often when a page takes over a second), so after a crash it too delivers up to a page
again. It does more per row than the relays: it looks up the handler by effect name,
kind and operation, and records the attempt count, the delivery time and any error.
Each variant's commits are counted with a SQLAlchemy event listener, and the count of
the last round is printed beside its median time. The insert is not timed.

Run ``python benchmarks/bench_outbox.py`` (three minutes on a busy 2-core machine) or
add ``--quick`` (300 rows, 3 rounds).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, event, insert, or_, select
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import machine, postgres_database  # noqa: E402

from opsgen.runtime.config import Settings  # noqa: E402
from opsgen.runtime.effects import EffectCall  # noqa: E402
from opsgen.runtime.outbox import drain  # noqa: E402
from opsgen.runtime.runtime import Runtime  # noqa: E402
from opsgen.runtime.schema import EffectStatus, effects, executions  # noqa: E402
from opsgen.runtime.store import utcnow  # noqa: E402

RELAY_PAGE_SIZE = 100


def deliver(call: EffectCall) -> None:
    """Stand in for a receiver that accepts at once."""


def fill_backlog(engine: Engine, size: int) -> None:
    """Replace the outbox with ``size`` due rows of kind ``publish``, each with a finished execution record."""
    start = utcnow() - timedelta(minutes=1)
    execution_rows = []
    effect_rows = []
    for number in range(size):
        execution_id = str(uuid.uuid4())
        created = start + timedelta(microseconds=number)
        execution_rows.append({
            "id": execution_id, "operation": "bench.publish", "operation_version": 1,
            "status": "succeeded", "root_id": execution_id, "created_at": created,
        })
        effect_rows.append({
            "id": str(uuid.uuid4()), "execution_id": execution_id, "sequence": 0, "name": "announce",
            "kind": "publish", "durable": True, "status": EffectStatus.pending.value,
            "idempotency_key": uuid.uuid4().hex, "payload": {"number": number},
            "payload_redacted": {"number": number}, "attempts": 1, "max_attempts": 3, "backoff": 1.0,
            "multiplier": 2.0, "max_delay": 300.0, "next_attempt_at": created, "created_at": created,
        })
    with engine.begin() as connection:
        connection.execute(delete(effects))
        connection.execute(delete(executions))
        connection.execute(insert(executions), execution_rows)
        connection.execute(insert(effects), effect_rows)


def relay_deleting_rows(engine: Engine) -> int:
    """Deliver the due rows page by page, delete each row in its own transaction, and return the count."""
    return _relay(engine, per_row=True)


def relay_deleting_pages(engine: Engine) -> int:
    """Deliver the due rows page by page, delete each page in one transaction, and return the count."""
    return _relay(engine, per_row=False)


def _relay(engine: Engine, *, per_row: bool) -> int:
    delivered = 0
    while True:
        now = utcnow()
        query = (
            select(effects)
            .where(
                effects.c.status == EffectStatus.pending.value,
                or_(effects.c.next_attempt_at.is_(None), effects.c.next_attempt_at <= now),
            )
            .order_by(effects.c.created_at, effects.c.sequence, effects.c.id)
            .limit(RELAY_PAGE_SIZE)
        )
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            return delivered
        for row in rows:
            deliver(EffectCall(row.name, row.kind, dict(row.payload), row.idempotency_key, row.execution_id,
                               row.attempts + 1))
            if per_row:
                with engine.begin() as connection:
                    connection.execute(delete(effects).where(effects.c.id == row.id))
        if not per_row:
            with engine.begin() as connection:
                connection.execute(delete(effects).where(effects.c.id.in_([row.id for row in rows])))
        delivered += len(rows)


def measure(label: str, url: str, size: int, rounds: int) -> None:
    """Time each variant over the same backlog in rotating order, and print the medians and rows per second."""
    runtime = Runtime(Settings(root=Path.cwd(), database_url=url))
    runtime.prepare()
    runtime.register_effect_handler("publish", deliver)

    def run_drain() -> int:
        report = drain(runtime)
        if report.errors or report.left_due or report.waiting:
            raise RuntimeError(f"drain did not deliver the whole backlog: {report}")
        return report.delivered

    variants: dict[str, Callable[[], int]] = {
        "drain": run_drain,
        "relay, delete per row": lambda: relay_deleting_rows(runtime.engine),
        "relay, delete per page": lambda: relay_deleting_pages(runtime.engine),
    }
    names = list(variants)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    commits: dict[str, int] = {}
    committed: list[None] = []
    event.listen(runtime.engine, "commit", lambda connection: committed.append(None))
    for round_number in range(rounds + 1):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            fill_backlog(runtime.engine, size)
            committed.clear()
            started = time.perf_counter()
            delivered = variants[name]()
            elapsed = time.perf_counter() - started
            commits[name] = len(committed)
            if delivered != size:
                raise RuntimeError(f"{name} delivered {delivered} of {size} rows")
            if round_number:  # the first round warms the caches and the connection pool
                seconds[name].append(elapsed)
    runtime.engine.dispose()

    medians = {name: statistics.median(values) for name, values in seconds.items()}
    baseline = medians["relay, delete per row"]
    print(f"\n{label}: backlog of {size} due rows, median of {rounds} rounds (wall time)")
    for name in names:
        rate = size / medians[name]
        ratio = medians[name] / baseline
        milliseconds = medians[name] * 1000
        print(
            f"  {name:<24} {milliseconds:9.1f} ms  {rate:9.0f} rows/s  time ratio to per-row relay {ratio:5.2f}"
            f"  commits in the last round {commits[name]:5d}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="rows in the backlog (default 1000)")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per variant (default 7)")
    parser.add_argument("--quick", action="store_true", help="300 rows and 3 rounds")
    args = parser.parse_args(argv)
    size, rounds = (300, 3) if args.quick else (args.rows, args.rounds)
    logging.getLogger().setLevel(logging.WARNING)

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite (WAL, synchronous=NORMAL)", f"sqlite:///{folder}/bench.db", size, rounds)
    with postgres_database() as postgres_url:
        if postgres_url:
            measure("PostgreSQL", postgres_url, size, rounds)


if __name__ == "__main__":
    main()
