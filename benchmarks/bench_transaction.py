"""One transactional operation against hand-written SQLAlchemy doing the same work.

The operation inserts one row in a transaction, with the execution log on and one
declared lock. The baselines, measured in the same run on the same engine, are
hand-written code that opens a session, inserts the row and commits, without and with
taking the same lock from the same lock backend. Variants of the operation without
the lock and without the log show where the time goes.

Run ``python benchmarks/bench_transaction.py`` (about a minute) or add ``--quick``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import compare, machine, postgres_database  # noqa: E402

from opsgen.runtime.config import Settings  # noqa: E402
from opsgen.runtime.context import Context  # noqa: E402
from opsgen.runtime.declarations import LockDeclaration, OperationDeclaration, TransactionDeclaration  # noqa: E402
from opsgen.runtime.execution import ExecutionContext  # noqa: E402
from opsgen.runtime.handle import OperationHandle  # noqa: E402
from opsgen.runtime.operation import Operation  # noqa: E402
from opsgen.runtime.runtime import Runtime  # noqa: E402
from opsgen.runtime.schema import executions  # noqa: E402

metadata = MetaData()
entries = Table(
    "bench_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", Integer, nullable=False),
    Column("note", String(100), nullable=False),
)


class EntryInput(BaseModel):
    account: int
    note: str


class EntryOutput(BaseModel):
    account: int


def entry_handle(runtime: Runtime, *, locked: bool) -> OperationHandle[EntryInput, EntryOutput]:
    declaration = OperationDeclaration(
        "bench.add_entry", 1, "", EntryInput, EntryOutput,
        transaction=TransactionDeclaration(),
        locks=(LockDeclaration("account:{account}", timeout=5, lease=30),) if locked else (),
    )

    class AddEntry(Operation[EntryInput, EntryOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> EntryOutput:
            ctx.session.execute(insert(entries).values(account=inputs["account"], note=inputs["note"]))
            return EntryOutput(account=inputs["account"])

    AddEntry.declaration = declaration
    return OperationHandle(declaration, AddEntry, runtime)


def measure(label: str, url: str, calls: int, rounds: int, clock: Callable[[], float]) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=url))
    runtime.ensure_schema()
    metadata.create_all(runtime.engine)
    quiet = Runtime(Settings(root=Path.cwd(), database_url=url), log_enabled=False, engine=runtime.engine)
    backend = runtime.get_lock_backend()
    quiet.lock_backend = backend
    context = Context(actor="bench")

    def hand_written() -> None:
        with Session(runtime.engine) as session, session.begin():
            session.execute(insert(entries).values(account=1, note="entry"))

    def hand_written_locked() -> None:
        with backend.acquire_many(["account:1"], timeout=5, lease=30, owner="bench"):
            hand_written()

    log_insert = insert(executions)

    def hand_written_logged() -> None:
        # What a team writes by hand for an audit trail: the same lock and insert, plus one
        # row about the call in the same transaction (no running marker, no journal).
        with backend.acquire_many(["account:1"], timeout=5, lease=30, owner="bench"):
            with Session(runtime.engine) as session, session.begin():
                session.execute(insert(entries).values(account=1, note="entry"))
                now = datetime.now(timezone.utc)
                call_id = str(uuid.uuid4())
                session.execute(log_insert, {
                    "id": call_id, "operation": "bench.add_entry", "operation_version": 1, "status": "succeeded",
                    "root_id": call_id, "actor": "bench", "input": {"account": 1, "note": "entry"},
                    "output": {"account": 1}, "created_at": now, "started_at": now, "finished_at": now,
                    "lock_keys": ["account:1"],
                })

    compact = Runtime(Settings(root=Path.cwd(), database_url=url), engine=runtime.engine, record_running=False)
    compact.lock_backend = backend

    full = entry_handle(runtime, locked=True)
    full_compact = entry_handle(compact, locked=True)
    unlocked = entry_handle(runtime, locked=False)
    unlogged = entry_handle(quiet, locked=True)

    times = compare(
        {
            "baseline": hand_written,
            "baseline_locked": hand_written_locked,
            "baseline_logged": hand_written_logged,
            "full": lambda: full(context, account=1, note="entry"),
            "compact": lambda: full_compact(context, account=1, note="entry"),
            "unlocked": lambda: unlocked(context, account=1, note="entry"),
            "unlogged": lambda: unlogged(context, account=1, note="entry"),
        },
        calls=calls,
        rounds=rounds,
        clock=clock,
    )
    base, locked = times["baseline"], times["baseline_locked"]

    print(f"\n{label} (median of per-call means; ratio to the hand-written code doing the same work)")
    print(f"  hand-written: session, insert, commit       {base:9.1f} us")
    print(f"  hand-written: lock, session, insert, commit {locked:9.1f} us")
    print(f"  hand-written: lock, insert, log row, commit {times['baseline_logged']:9.1f} us")
    print(f"  operation: lock, log, insert                {times['full']:9.1f} us   ratio {times['full'] / locked:5.2f}"
          f"   goal <= 1.25;  {times['full'] / times['baseline_logged']:5.2f} to the code with a log row")
    print(f"  same, record-running = false                {times['compact']:9.1f} us   ratio {times['compact'] / locked:5.2f}")
    print(f"  operation: log, insert, no lock             {times['unlocked']:9.1f} us   ratio {times['unlocked'] / base:5.2f}"
          " (to the code without lock)")
    print(f"  operation: lock, insert, log disabled       {times['unlogged']:9.1f} us   ratio {times['unlogged'] / locked:5.2f}")
    runtime.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cpu", action="store_true",
        help="count this process's CPU time instead of wall time (steadier on a busy machine; "
        "leaves out the time PostgreSQL spends in its own processes)",
    )
    parser.add_argument("--quick", action="store_true", help="fewer calls and rounds (about 15 s)")
    args = parser.parse_args()
    calls, rounds = (50, 5) if args.quick else (100, 15)
    logging.getLogger().setLevel(logging.WARNING)

    clock = time.process_time if args.cpu else time.perf_counter
    print(f"machine: {machine()}; clock: {'process CPU time' if args.cpu else 'wall time'}")
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite (WAL, synchronous=NORMAL)", f"sqlite:///{folder}/bench.db", calls, rounds, clock)
    with postgres_database() as postgres_url:
        if postgres_url:
            measure("PostgreSQL (advisory lock)", postgres_url, calls, rounds, clock)


if __name__ == "__main__":
    main()
