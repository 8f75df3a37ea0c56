"""Measure the lock backends against their raw primitives, and under contention.

Part 1 times one acquire-and-release of a free key through ``LockBackend.acquire_many``
and through the bare primitive on the same server, in the same run:

- SQLite: ``INSERT`` a row, then ``DELETE`` it, each in autocommit mode on one connection
  of a WAL file;
- PostgreSQL: ``BEGIN; SELECT pg_advisory_xact_lock(id); COMMIT`` on one connection;
- Redis: ``SET key value NX PX lease`` then ``DEL key``.

Both sides run in alternating batches; the table shows the median mean time per call
of each and the median of the per-batch ratios.

Part 2 starts 2, 8 and 32 processes that call one operation declaring a lock on the
same key, through the whole pipeline (execution record written before and after each
call), and counts the calls all processes completed per second. The clock starts when
every process is ready. It runs for SQLite (the default lock file beside the database),
PostgreSQL with advisory locks, and PostgreSQL with Redis locks.

With ``--bare``, part 3 does the same with bare lock sections (``acquire_many`` and
release around ``--work`` seconds of sleep) and no execution log.

Usage::

    python benchmarks/bench_locks.py [--quick] [--bare] [--backends sqlite,postgresql,redis]

PostgreSQL and Redis are taken from ``OPSGEN_TEST_POSTGRES`` and ``OPSGEN_TEST_REDIS``
(default: the loopback servers). A backend whose server is unreachable is skipped
with a message.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_common import machine, postgres_database
from pydantic import BaseModel

from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import LockDeclaration, OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.locks import open_lock_backend
from opsgen.runtime.locks.postgres import advisory_lock_id, libpq_url
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime

POSTGRES_URL = os.environ.get("OPSGEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("OPSGEN_TEST_REDIS", "redis://127.0.0.1:6379/0")


def paired_medians(
    ours: Callable[[], None], baseline: Callable[[], None], iterations: int, batches: int
) -> tuple[float, float, float]:
    """Time ``ours`` and ``baseline`` in alternating batches of ``iterations`` calls.

    Returns the median seconds per call of each and the median of the per-pair ratios.
    Alternating keeps a burst of load from other processes from landing on one side only.
    """
    for body in (ours, baseline):
        for _ in range(min(iterations, 50)):
            body()
    ours_means: list[float] = []
    baseline_means: list[float] = []
    for _ in range(batches):
        for body, means in ((ours, ours_means), (baseline, baseline_means)):
            started = time.perf_counter()
            for _ in range(iterations):
                body()
            means.append((time.perf_counter() - started) / iterations)
    ratios = [a / b for a, b in zip(ours_means, baseline_means)]
    return statistics.median(ours_means), statistics.median(baseline_means), statistics.median(ratios)


def lock_url(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench-locks.db'}"
    if backend == "postgresql":
        return POSTGRES_URL
    return f"{REDIS_URL}?prefix=opsgen-bench-{uuid.uuid4().hex[:8]}:"


def raw_primitive(backend: str, folder: Path) -> tuple[Callable[[], None], Callable[[], None]]:
    """Return one raw acquire-and-release of the backend's primitive, and a cleanup."""
    if backend == "sqlite":
        connection = sqlite3.connect(folder / "bench-raw.db", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("CREATE TABLE IF NOT EXISTS raw_locks (key TEXT PRIMARY KEY, owner TEXT)")

        def sqlite_once() -> None:
            connection.execute("INSERT INTO raw_locks (key, owner) VALUES (?, ?)", ("k", "bench"))
            connection.execute("DELETE FROM raw_locks WHERE key = ?", ("k",))

        return sqlite_once, connection.close

    if backend == "postgresql":
        import psycopg

        pg = psycopg.connect(libpq_url(POSTGRES_URL), autocommit=False)
        lock_id = advisory_lock_id("bench:raw")

        def postgres_once() -> None:
            pg.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id,))
            pg.commit()

        return postgres_once, pg.close

    import redis

    client = redis.Redis.from_url(REDIS_URL)
    key = f"opsgen-bench-raw-{uuid.uuid4().hex[:8]}"

    def redis_once() -> None:
        client.set(key, "bench", nx=True, px=30000)
        client.delete(key)

    return redis_once, client.close


def available(backend: str, folder: Path) -> bool:
    try:
        with open_lock_backend(lock_url(backend, folder)) as probe:
            probe.holder("bench:probe")
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not there
        print(f"skipping {backend}: {type(exc).__name__}: {exc}")
        return False
    return True


def bench_primitives(backends: list[str], folder: Path, iterations: int, batches: int) -> None:
    print(f"acquire+release of a free key, medians of {batches} alternating batches x {iterations}")
    print(f"{'backend':<12}{'opsgen µs':>12}{'raw µs':>12}{'ratio':>8}")
    for backend in backends:
        raw_once, cleanup = raw_primitive(backend, folder)
        with open_lock_backend(lock_url(backend, folder)) as locks:

            def opsgen_once() -> None:
                with locks.acquire_many(["bench:key"], timeout=5, lease=30, owner="bench"):
                    pass

            ours, raw, ratio = paired_medians(opsgen_once, raw_once, iterations, batches)
        cleanup()
        print(f"{backend:<12}{ours * 1e6:>12.1f}{raw * 1e6:>12.1f}{ratio:>8.2f}", flush=True)


def contender(url: str, key: str, work: float, seconds: float, ready: Any, counts: Any) -> None:
    """Take ``key`` in a loop for ``seconds`` after every contender is ready; report the count."""
    backend = open_lock_backend(url)
    owner = f"bench-{os.getpid()}"
    backend.holder(key)
    ready.wait()
    stop_at = time.monotonic() + seconds
    done = 0
    while time.monotonic() < stop_at:
        with backend.acquire_many([key], timeout=60, lease=30, owner=owner):
            if work:
                time.sleep(work)
        done += 1
    backend.close()
    counts.put(done)


def bench_contention(backends: list[str], folder: Path, process_counts: list[int], seconds: float, work: float) -> None:
    print(f"\nlocked sections per second, one shared key, {seconds:g} s per run, critical section {work * 1e3:g} ms")
    print(f"{'backend':<12}" + "".join(f"{f'{count} procs':>12}" for count in process_counts))
    spawn = multiprocessing.get_context("spawn")
    for backend in backends:
        url = lock_url(backend, folder)
        row = f"{backend:<12}"
        for count in process_counts:
            counts = spawn.Queue()
            # Every contender waits here after connecting, so slow start-up is not timed.
            ready = spawn.Barrier(count)
            key = f"bench:contended:{uuid.uuid4().hex[:8]}"
            workers = [
                spawn.Process(target=contender, args=(url, key, work, seconds, ready, counts))
                for _ in range(count)
            ]
            for worker in workers:
                worker.start()
            total = sum(counts.get(timeout=300) for _ in workers)
            for worker in workers:
                worker.join(timeout=30)
            row += f"{total / seconds:>12.0f}"
        print(row, flush=True)


class TouchInput(BaseModel):
    account_id: int


class TouchOutput(BaseModel):
    account_id: int


class Touch(Operation[TouchInput, TouchOutput]):
    """An operation whose only work is its lock and its execution record."""

    declaration = OperationDeclaration(
        "bench.touch", 1, "", TouchInput, TouchOutput,
        locks=(LockDeclaration("account:{account_id}", timeout=60, lease=30),),
    )

    def run(self, ctx: ExecutionContext, **inputs: Any) -> TouchOutput:  # type: ignore[override]
        return TouchOutput(account_id=inputs["account_id"])


def operation_contender(database_url: str, lock_url: str | None, seconds: float, ready: Any, counts: Any) -> None:
    """Call ``bench.touch`` on one shared account for ``seconds`` once every contender is ready."""
    runtime = Runtime(Settings(root=Path.cwd(), database_url=database_url, lock_url=lock_url), migrate=False)
    handle = OperationHandle(Touch.declaration, Touch, runtime)
    handle(Context(actor="bench"), account_id=0)
    ready.wait()
    stop_at = time.monotonic() + seconds
    done = 0
    while time.monotonic() < stop_at:
        result = handle(Context(actor="bench"), account_id=1)
        done += 1 if result.ok else 0
    runtime.dispose()
    counts.put(done)


def bench_operations(setups: dict[str, tuple[str, str | None]], process_counts: list[int], seconds: float) -> None:
    print(f"\nlocked operation calls per second, one shared lock key, {seconds:g} s per run")
    print(f"{'database + locks':<22}" + "".join(f"{f'{count} procs':>12}" for count in process_counts))
    spawn = multiprocessing.get_context("spawn")
    for name, (database_url, lock_url) in setups.items():
        runtime = Runtime(Settings(root=Path.cwd(), database_url=database_url, lock_url=lock_url))
        runtime.ensure_schema()
        runtime.dispose()
        row = f"{name:<22}"
        for count in process_counts:
            counts = spawn.Queue()
            ready = spawn.Barrier(count)
            workers = [
                spawn.Process(target=operation_contender, args=(database_url, lock_url, seconds, ready, counts))
                for _ in range(count)
            ]
            for worker in workers:
                worker.start()
            total = sum(counts.get(timeout=300) for _ in workers)
            for worker in workers:
                worker.join(timeout=30)
            row += f"{total / seconds:>12.0f}"
        print(row, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations, 2 and 8 processes only")
    parser.add_argument("--backends", default="sqlite,postgresql,redis", help="comma-separated backends to run")
    parser.add_argument("--work", type=float, default=0.0, help="seconds spent inside each bare locked section (default 0)")
    parser.add_argument("--bare", action="store_true", help="also measure bare lock sections under contention")
    args = parser.parse_args()

    iterations, batches = (200, 7) if args.quick else (500, 15)
    process_counts = [2, 8] if args.quick else [2, 8, 32]
    seconds = 1.0 if args.quick else 2.0

    with tempfile.TemporaryDirectory() as temporary, postgres_database() as postgres_url:
        folder = Path(temporary)
        backends = [name for name in args.backends.split(",") if available(name, folder)]
        print(machine() + "\n")
        bench_primitives(backends, folder, iterations, batches)

        setups: dict[str, tuple[str, str | None]] = {}
        if "sqlite" in backends:
            setups["sqlite + sqlite"] = (f"sqlite:///{folder / 'bench-app.db'}", None)
        if "postgresql" in backends and postgres_url:
            setups["postgresql + advisory"] = (postgres_url, None)
        if "redis" in backends and postgres_url:
            setups["postgresql + redis"] = (postgres_url, lock_url("redis", folder))
        bench_operations(setups, process_counts, seconds)
        if args.bare:
            bench_contention(backends, folder, process_counts, seconds, args.work)


if __name__ == "__main__":
    main()
