"""Per-call overhead of the pipeline against a direct call and hand-written SQLAlchemy.

Measures, for the cheapest operation (validate an int, return it):

- a direct call of the implementation's ``run``;
- the pipeline with the execution log disabled (input and output validation,
  context, logging checks, result);
- the pipeline with the execution log on SQLite (and PostgreSQL when reachable);
- hand-written SQLAlchemy that inserts the same execution row in a transaction;
- call tracing: an operation that makes 1,000 Python calls, without tracing, with
  tracing of a module it never calls, and with tracing of the module it calls.

Run ``python benchmarks/bench_pipeline.py`` (about a minute) or add ``--quick``.
The variants of each group run interleaved, round after round, so a busy machine
slows them alike and the ratios hold.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import compare, machine, postgres_database  # noqa: E402

from opsgen.runtime.config import Settings  # noqa: E402
from opsgen.runtime.context import Context  # noqa: E402
from opsgen.runtime.declarations import OperationDeclaration  # noqa: E402
from opsgen.runtime.execution import ExecutionContext  # noqa: E402
from opsgen.runtime.handle import OperationHandle  # noqa: E402
from opsgen.runtime.operation import Operation  # noqa: E402
from opsgen.runtime.runtime import Runtime  # noqa: E402
from opsgen.runtime.schema import executions  # noqa: E402
from opsgen.runtime.store import HOST, utcnow  # noqa: E402


class EchoInput(BaseModel):
    value: int


class EchoOutput(BaseModel):
    value: int


ECHO = OperationDeclaration("bench.echo", 1, "", EchoInput, EchoOutput)


class Echo(Operation[EchoInput, EchoOutput]):
    declaration = ECHO

    def run(self, ctx: ExecutionContext, *, value: int) -> EchoOutput:  # type: ignore[override]
        return EchoOutput(value=value)


WORK = OperationDeclaration("bench.work", 1, "", EchoInput, EchoOutput)


def _leaf(number: int) -> int:
    return number + 1


class Work(Operation[EchoInput, EchoOutput]):
    declaration = WORK

    def run(self, ctx: ExecutionContext, *, value: int) -> EchoOutput:  # type: ignore[override]
        total = 0
        for number in range(value):
            total += _leaf(number)
        return EchoOutput(value=total)


def runtime_for(url: str, **kwargs: Any) -> Runtime:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=url), **kwargs)
    runtime.ensure_schema()
    return runtime


def hand_written_insert(runtime: Runtime) -> None:
    """Insert an execution row the way application code would, in its own transaction."""
    now = utcnow()
    with runtime.engine.begin() as connection:
        connection.execute(
            insert(executions).values(
                id=str(uuid.uuid4()), operation="bench.echo", operation_version=1, status="succeeded",
                root_id="root", input={"value": 1}, output={"value": 1}, created_at=now, started_at=now,
                finished_at=now, duration_ms=0.0, host=HOST, pid=0,
            )
        )


def prebuilt_insert(runtime: Runtime) -> None:
    """Insert the same row with a statement built once and parameters per call."""
    now = utcnow()
    with runtime.engine.begin() as connection:
        connection.execute(
            PREBUILT,
            dict(
                id=str(uuid.uuid4()), operation="bench.echo", operation_version=1, status="succeeded",
                root_id="root", input={"value": 1}, output={"value": 1}, created_at=now, started_at=now,
                finished_at=now, duration_ms=0.0, host=HOST, pid=0,
            ),
        )


PREBUILT = insert(executions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cpu", action="store_true",
        help="count this process's CPU time instead of wall time (steadier on a busy machine; "
        "leaves out the time PostgreSQL spends in its own processes)",
    )
    parser.add_argument("--quick", action="store_true", help="fewer calls and rounds (about 10 s)")
    args = parser.parse_args()
    calls, rounds, db_calls = (2000, 5, 100) if args.quick else (10000, 11, 300)
    logging.getLogger().setLevel(logging.WARNING)

    clock = time.process_time if args.cpu else time.perf_counter
    print(f"machine: {machine()}; clock: {'process CPU time' if args.cpu else 'wall time'}")
    context = Context(actor="bench")
    direct = Echo()

    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{folder}/bench.db"
        quiet = runtime_for(sqlite_url, log_enabled=False)
        echo_quiet = OperationHandle(ECHO, Echo, quiet)
        times = compare(
            {
                "direct": lambda: direct.run(None, value=1),  # type: ignore[arg-type]
                "pipeline": lambda: echo_quiet(context, value=1),
            },
            calls=calls,
            rounds=rounds,
            clock=clock,
        )
        overhead = times["pipeline"] - times["direct"]
        print("\npipeline overhead, cheapest operation (median of per-call means)")
        print(f"  direct call of run()                {times['direct']:9.2f} us")
        print(f"  pipeline, execution log disabled    {times['pipeline']:9.2f} us   overhead {overhead:7.2f} us"
              "   goal < 30 us")

        targets = [("sqlite", sqlite_url)]
        with postgres_database() as postgres_url:
            if postgres_url:
                targets.append(("postgres", postgres_url))
            for label, url in targets:
                logged = runtime_for(url)
                echo_logged = OperationHandle(ECHO, Echo, logged)
                times = compare(
                    {
                        "values": lambda: hand_written_insert(logged),
                        "prebuilt": lambda: prebuilt_insert(logged),
                        "pipeline": lambda: echo_logged(context, value=1),
                    },
                    calls=db_calls,
                    rounds=rounds,
                    clock=clock,
                )
                commits = (
                    "a running marker committed in the live file, then one insert commit"
                    if label == "sqlite" else "one insert commit and one update commit"
                )
                print(f"\nexecution log on {label}: {commits} a call")
                print(f"  hand-written insert().values(...)   {times['values']:9.2f} us")
                print(f"  hand-written prebuilt insert        {times['prebuilt']:9.2f} us")
                print(f"  pipeline, execution log on          {times['pipeline']:9.2f} us   ratio "
                      f"{times['pipeline'] / times['values']:5.2f} / {times['pipeline'] / times['prebuilt']:5.2f}")
                logged.dispose()

        work_calls = max(5, calls // 200)
        plain = OperationHandle(WORK, Work, quiet)
        elsewhere = OperationHandle(
            WORK, Work, runtime_for(sqlite_url, log_enabled=False, trace_modules=("myapp.mailing",))
        )
        traced = OperationHandle(WORK, Work, runtime_for(sqlite_url, log_enabled=False, trace_modules=(__name__,)))
        trace_logger = logging.getLogger("opsgen.trace")
        trace_logger.addHandler(logging.NullHandler())
        trace_logger.propagate = False

        def traced_quiet() -> None:
            trace_logger.setLevel(logging.WARNING)
            traced(context, value=1000)

        def traced_logged() -> None:
            trace_logger.setLevel(logging.INFO)
            traced(context, value=1000)

        times = compare(
            {
                "off": lambda: plain(context, value=1000),
                "elsewhere": lambda: elsewhere(context, value=1000),
                "quiet": traced_quiet,
                "logged": traced_logged,
            },
            calls=work_calls,
            rounds=rounds,
            clock=clock,
        )
        off = times["off"]
        print("\ncall tracing, operation making 1,000 Python calls")
        print(f"  tracing off                            {times['off']:9.1f} us")
        print(f"  tracing a module it never calls        {times['elsewhere']:9.1f} us   ratio {times['elsewhere'] / off:5.2f}")
        print(f"  tracing the called module, level WARNING {times['quiet']:7.1f} us   ratio {times['quiet'] / off:5.2f}")
        print(f"  tracing the called module, logged      {times['logged']:9.1f} us   ratio {times['logged'] / off:5.2f}")

if __name__ == "__main__":
    main()
