"""Enqueue-to-completion latency and throughput: opsgen on Celery against a plain Celery task.

Usage: python benchmarks/bench_celery.py [--quick] [--async-commit]

One Celery worker (solo pool) on the local Redis runs both the opsgen task, whose
execution log is on a scratch PostgreSQL database, and a plain Celery task doing the
same trivial work. Latency is one call at a time, from the send to the worker's
``task_postrun`` signal; throughput is a batch sent at once, until the last finishes.
The two kinds alternate in every round, and the figures are medians over the rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_common import machine, postgres_database  # noqa: E402

BROKER = os.environ.get("OPSGEN_TEST_REDIS", "redis://127.0.0.1:6379/0")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    parser.add_argument(
        "--async-commit", action="store_true",
        help="set synchronous_commit to off on the scratch database, to measure opsgen without the disk flush",
    )
    args = parser.parse_args()
    rounds, latency_calls, batch = (3, 30, 100) if args.quick else (5, 100, 300)

    with postgres_database() as database_url:
        if database_url is None:
            return 1
        if args.async_commit:
            set_async_commit(database_url)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
            "OPSGEN_BENCH_BROKER": BROKER,
            "OPSGEN_BENCH_KEYPREFIX": f"opsgen-bench-{uuid.uuid4().hex[:8]}:",
            "OPSGEN_BENCH_DONE_LIST": f"opsgen-bench-done-{uuid.uuid4().hex[:8]}",
            "OPSGEN_DATABASE_URL": database_url,
            "OPSGEN_APP": "",
        }
        os.environ.update({key: env[key] for key in env if key.startswith("OPSGEN_")})
        import bench_celery_app as bench

        bench.runtime.ensure_schema()
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bench_celery_app", "worker", "--pool", "solo",
             "--queues", "bench", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "WARNING"],
            cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            return run(bench, env["OPSGEN_BENCH_DONE_LIST"], rounds, latency_calls, batch)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            redis.Redis.from_url(BROKER).delete(env["OPSGEN_BENCH_DONE_LIST"])
            bench.runtime.dispose()


def set_async_commit(database_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{make_url(database_url).database}" SET synchronous_commit = off'))
    engine.dispose()


def run(bench: object, done_list: str, rounds: int, latency_calls: int, batch: int) -> int:
    from opsgen.runtime.context import Context

    client = redis.Redis.from_url(BROKER)
    ctx = Context(actor="bench")

    def send_opsgen(n: int) -> None:
        bench.double.enqueue(ctx, n=n)  # type: ignore[attr-defined]

    def send_plain(n: int) -> None:
        bench.plain_double.apply_async((n,), queue="bench")  # type: ignore[attr-defined]

    def wait_done(count: int) -> None:
        for _ in range(count):
            if client.blpop([done_list], timeout=30) is None:
                raise TimeoutError("the worker did not finish a task within 30 s")

    senders = {"plain Celery": send_plain, "opsgen on Celery": send_opsgen}
    for send in senders.values():  # warm up both paths
        for n in range(20):
            send(n)
        wait_done(20)

    latency: dict[str, list[float]] = {name: [] for name in senders}
    throughput: dict[str, list[float]] = {name: [] for name in senders}
    names = list(senders)
    for round_number in range(rounds):
        order = names if round_number % 2 == 0 else names[::-1]
        for name in order:
            send = senders[name]
            samples = []
            for n in range(latency_calls):
                started = time.perf_counter()
                send(n)
                wait_done(1)
                samples.append((time.perf_counter() - started) * 1000)
            latency[name].append(statistics.median(samples))

            started = time.perf_counter()
            for n in range(batch):
                send(n)
            wait_done(batch)
            throughput[name].append(batch / (time.perf_counter() - started))

    print(f"machine: {machine()}")
    print(f"rounds {rounds}, {latency_calls} single calls and a batch of {batch} per round and kind")
    print(f"{'':18} {'latency ms (median)':>20} {'throughput calls/s':>20}")
    for name in names:
        print(f"{name:18} {statistics.median(latency[name]):20.2f} {statistics.median(throughput[name]):20.0f}")
    plain, opsgen = names
    latency_ratio = statistics.median(latency[opsgen]) / statistics.median(latency[plain])
    throughput_ratio = statistics.median(throughput[plain]) / statistics.median(throughput[opsgen])
    print(f"ratio opsgen/plain: latency {latency_ratio:.2f}x, time per call in a batch {throughput_ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
