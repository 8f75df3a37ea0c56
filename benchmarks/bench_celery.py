"""Enqueue-to-completion latency and throughput: opsgen on Celery against a plain Celery task.

Usage: python benchmarks/bench_celery.py [--quick] [--async-commit] [--fast-enqueue]

One Celery worker (solo pool) on the local Redis runs four tasks. The opsgen task
keeps its execution log on a scratch PostgreSQL database. A plain Celery task does the
same trivial work, a second plain task also writes one row about its run to that
database, and a third has Celery keep its states there (the database result backend
with ``track_started``). All four share the broker, the worker and its settings (late
ack; only the third has a result backend). Latency is one call at a time, from the send to the worker's
``task_postrun`` signal; throughput is a batch sent at once, until the last finishes.
The kinds rotate in every round, and the figures are medians over the rounds. CPU
time per call is measured during the batches: the worker's from /proc, the sender's
from this process.
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

#: Seconds to wait for one completion before the run fails.
WAIT_TIMEOUT = 30


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    parser.add_argument(
        "--async-commit", action="store_true",
        help="set synchronous_commit to off on the scratch database, to measure opsgen without the disk flush",
    )
    parser.add_argument(
        "--fast-enqueue", action="store_true",
        help="install opsgen with durable_enqueue=False: the pending record's commit does not wait for the disk",
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
            "OPSGEN_BENCH_DURABLE_ENQUEUE": "0" if args.fast_enqueue else "1",
        }
        os.environ.update({key: env[key] for key in env if key.startswith("OPSGEN_")})
        import bench_celery_app as bench

        bench.runtime.ensure_schema()
        bench.bench_metadata.create_all(bench.runtime.engine)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bench_celery_app", "worker", "--pool", "solo",
             "--queues", "bench", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "WARNING"],
            cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            return run(bench, worker.pid, env["OPSGEN_BENCH_DONE_LIST"], rounds, latency_calls, batch)
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


def cpu_seconds(pid: int) -> float:
    """Return the user and system CPU seconds process ``pid`` has used, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(bench: object, worker_pid: int, done_list: str, rounds: int, latency_calls: int, batch: int) -> int:
    from opsgen.runtime.context import Context

    # BLPOP waits up to WAIT_TIMEOUT. redis-py's own socket timeout (5 s by default in
    # redis-py 8.2) would end the run first when a completion is late on a busy machine.
    client = redis.Redis.from_url(BROKER, socket_timeout=WAIT_TIMEOUT + 5)
    ctx = Context(actor="bench")
    load_at_start = os.getloadavg()

    def send_opsgen(n: int) -> None:
        bench.double.enqueue(ctx, n=n)  # type: ignore[attr-defined]

    def send_plain(n: int) -> None:
        bench.plain_double.apply_async((n,), queue="bench")  # type: ignore[attr-defined]

    def send_logged(n: int) -> None:
        bench.plain_double_logged.apply_async((n,), queue="bench")  # type: ignore[attr-defined]

    def send_tracked(n: int) -> None:
        bench.plain_double_tracked.apply_async((n,), queue="bench")  # type: ignore[attr-defined]

    def wait_done(count: int) -> None:
        for _ in range(count):
            if client.blpop([done_list], timeout=WAIT_TIMEOUT) is None:
                raise TimeoutError(f"the worker did not finish a task within {WAIT_TIMEOUT} s")

    senders = {
        "plain Celery": send_plain,
        "plain + one row": send_logged,
        "Celery db results": send_tracked,
        "opsgen on Celery": send_opsgen,
    }
    for send in senders.values():  # warm up every path
        for n in range(20):
            send(n)
        wait_done(20)

    latency: dict[str, list[float]] = {name: [] for name in senders}
    throughput: dict[str, list[float]] = {name: [] for name in senders}
    worker_cpu: dict[str, list[float]] = {name: [] for name in senders}
    sender_cpu: dict[str, list[float]] = {name: [] for name in senders}
    names = list(senders)
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            send = senders[name]
            samples = []
            for n in range(latency_calls):
                started = time.perf_counter()
                send(n)
                wait_done(1)
                samples.append((time.perf_counter() - started) * 1000)
            latency[name].append(statistics.median(samples))

            worker_started, sender_started = cpu_seconds(worker_pid), time.process_time()
            started = time.perf_counter()
            for n in range(batch):
                send(n)
            wait_done(batch)
            throughput[name].append(batch / (time.perf_counter() - started))
            worker_cpu[name].append((cpu_seconds(worker_pid) - worker_started) / batch * 1000)
            sender_cpu[name].append((time.process_time() - sender_started) / batch * 1000)

    print(f"machine: {machine()}")
    print(f"finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average at the start "
          f"{load_at_start[0]:.2f}, at the end {os.getloadavg()[0]:.2f}")
    print(f"rounds {rounds}, {latency_calls} single calls and a batch of {batch} per round and kind")
    print(f"{'':18} {'latency ms':>11} {'calls/s':>8} {'worker CPU ms':>14} {'sender CPU ms':>14}")
    for name in names:
        print(f"{name:18} {statistics.median(latency[name]):11.2f} {statistics.median(throughput[name]):8.0f} "
              f"{statistics.median(worker_cpu[name]):14.2f} {statistics.median(sender_cpu[name]):14.2f}")
    opsgen = names[-1]
    for baseline in names[:-1]:
        latency_ratio = statistics.median(latency[opsgen]) / statistics.median(latency[baseline])
        throughput_ratio = statistics.median(throughput[baseline]) / statistics.median(throughput[opsgen])
        cpu_ratio = statistics.median(worker_cpu[opsgen]) / statistics.median(worker_cpu[baseline])
        print(f"opsgen / {baseline}: latency {latency_ratio:.2f}x, time per call in a batch "
              f"{throughput_ratio:.2f}x, worker CPU per call {cpu_ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
