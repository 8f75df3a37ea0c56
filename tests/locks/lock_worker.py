"""A worker process for the lock tests, started with ``python lock_worker.py COMMAND ...``.

``increment URL BALANCE_DB KEY COUNT START_AT`` adds 1 to the balance row ``COUNT`` times,
each time reading, pausing and writing back, under the lock ``KEY`` (or without a lock
when ``URL`` is ``none``). It starts at the wall clock time ``START_AT`` so that workers
overlap.

``hold URL KEY LEASE OWNER SECONDS`` takes ``KEY``, prints ``acquired <tokens>`` and holds
it for ``SECONDS`` (the test may kill it first), then prints ``released`` or ``lost``.

``singleton URL KEY POLICY OWNER GO_FILE HOLD RESULT_DB`` creates ``GO_FILE.ready.OWNER``
once connected, claims the singleton ``KEY`` as soon as ``GO_FILE`` exists, keeps a claim
for ``HOLD`` seconds, and appends its outcome and the holder it met to the ``outcomes``
table of ``RESULT_DB``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from opsgen.runtime.declarations import SingletonDeclaration
from opsgen.runtime.locks import open_lock_backend
from opsgen.runtime.singleton import claim_singleton

def start_holder(url: str, key: str, owner: str, *, lease: float, seconds: float) -> subprocess.Popen[str]:
    """Start this script's ``hold`` command in a process of its own; return once ``key`` is taken."""
    holder = subprocess.Popen(
        [sys.executable, __file__, "hold", url, key, str(lease), owner, str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    line = holder.stdout.readline()
    assert line.startswith("acquired"), holder.stderr.read() if holder.stderr else line
    return holder


#: Pause between reading and writing the balance: the window in which updates get lost.
RACE_WINDOW = 0.003


def add_one(balance_db: str) -> None:
    connection = sqlite3.connect(balance_db, timeout=30, isolation_level=None)
    try:
        (balance,) = connection.execute("SELECT amount FROM balance WHERE id = 1").fetchone()
        time.sleep(RACE_WINDOW)
        connection.execute("UPDATE balance SET amount = ? WHERE id = 1", (balance + 1,))
    finally:
        connection.close()


def increment(url: str, balance_db: str, key: str, count: int, start_at: float) -> None:
    backend = None if url == "none" else open_lock_backend(url)
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(count):
        if backend is None:
            add_one(balance_db)
            continue
        with backend.acquire_many([key], timeout=60, lease=10, owner=f"worker-{os.getpid()}"):
            add_one(balance_db)
    if backend is not None:
        backend.close()


def hold(url: str, key: str, lease: float, owner: str, seconds: float) -> None:
    backend = open_lock_backend(url)
    held = backend.acquire_many([key], timeout=30, lease=lease, owner=owner)
    print("acquired", dict(held.fencing_tokens), flush=True)
    time.sleep(seconds)
    print("lost" if held.lost else "released", flush=True)
    held.release()
    backend.close()


def singleton(url: str, key: str, policy: str, owner: str, go_file: str, hold_for: float, result_db: str) -> None:
    backend = open_lock_backend(url)
    backend.holder(key)
    declaration = SingletonDeclaration(key=key, on_conflict=policy, timeout=1.0, lease=10.0)  # type: ignore[arg-type]
    Path(f"{go_file}.ready.{owner}").touch()
    while not os.path.exists(go_file):
        time.sleep(0.001)

    claim = claim_singleton(backend, declaration, key=key, owner=owner)
    if claim.held is not None:
        time.sleep(hold_for)
        claim.held.release()
    backend.close()

    connection = sqlite3.connect(result_db, timeout=30, isolation_level=None)
    connection.execute(
        "INSERT INTO outcomes (owner, outcome, holder) VALUES (?, ?, ?)",
        (owner, claim.outcome, claim.holder),
    )
    connection.close()


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "increment":
        increment(args[0], args[1], args[2], int(args[3]), float(args[4]))
    elif command == "hold":
        hold(args[0], args[1], float(args[2]), args[3], float(args[4]))
    elif command == "singleton":
        singleton(args[0], args[1], args[2], args[3], args[4], float(args[5]), args[6])
    else:
        raise SystemExit(f"unknown command {command!r}: expected increment, hold or singleton")


if __name__ == "__main__":
    main(sys.argv[1:])
