"""The Celery app that bench_celery.py starts a worker on.

It has four tasks doing the same trivial work: the opsgen operation ``bench.double``
(no transaction, the execution log on PostgreSQL), the plain Celery task
``bench.plain_double``, ``bench.plain_double_logged``, a plain task that also writes
one row about its run to the same database with a durable commit, as a hand-written
task that keeps its own log would, and ``bench.plain_double_tracked``, a plain task
whose states Celery itself keeps in that database: its SQLAlchemy result backend with
``track_started``, which stores ``STARTED`` and then ``SUCCESS``. After any task finishes, the worker
pushes its id onto a Redis list, so the benchmark detects every completion through
the same signal. ``OPSGEN_BENCH_DURABLE_ENQUEUE=0`` installs opsgen with
``durable_enqueue=False``.
"""

from __future__ import annotations

import os
from typing import Any

import redis
from celery import Celery, signals
from celery.backends.database import DatabaseBackend
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert

from opsgen.integrations import celery as opsgen_celery
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime, configure
from opsgen.runtime.store import utcnow

DONE_LIST = os.environ["OPSGEN_BENCH_DONE_LIST"]


class DoubleInput(BaseModel):
    n: int


class DoubleOutput(BaseModel):
    n: int


DOUBLE = OperationDeclaration(
    name="bench.double", version=1, description="Double a number.",
    input_model=DoubleInput, output_model=DoubleOutput, queue="bench",
)


class Double(Operation[DoubleInput, DoubleOutput]):
    declaration = DOUBLE

    def run(self, ctx: ExecutionContext, *, n: int) -> DoubleOutput:  # type: ignore[override]
        return DoubleOutput(n=n * 2)


double: OperationHandle[Any, Any] = OperationHandle(DOUBLE, Double)

app = Celery("opsgen_bench", broker=os.environ["OPSGEN_BENCH_BROKER"])
app.conf.update(
    broker_transport_options={"global_keyprefix": os.environ["OPSGEN_BENCH_KEYPREFIX"]},
    worker_prefetch_multiplier=4,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
)
runtime = configure(Runtime(database_url=os.environ["OPSGEN_DATABASE_URL"]))
integration = opsgen_celery.install(
    app, [double], runtime=runtime, log_context=False,
    durable_enqueue=os.environ.get("OPSGEN_BENCH_DURABLE_ENQUEUE", "1") != "0",
)

bench_metadata = MetaData()
task_runs = Table(
    "bench_task_runs",
    bench_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", String(64), nullable=False),
    Column("n", Integer, nullable=False),
    Column("result", Integer, nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
)


@app.task(name="bench.plain_double", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def plain_double(n: int) -> int:
    return DoubleOutput(n=DoubleInput(n=n).n * 2).n


@app.task(name="bench.plain_double_logged", bind=True, acks_late=True, reject_on_worker_lost=True,
          ignore_result=True)
def plain_double_logged(task: Any, n: int) -> int:
    result = DoubleOutput(n=DoubleInput(n=n).n * 2).n
    with runtime.engine.begin() as connection:
        connection.execute(
            insert(task_runs), {"task_id": str(task.request.id), "n": n, "result": result, "finished_at": utcnow()}
        )
    return result


# Celery's own record of each run: its database result backend, on the log's database.
celery_records = DatabaseBackend(app=app, url=os.environ["OPSGEN_DATABASE_URL"])
# The backend keeps a pooled engine only in a forked (prefork) worker process; under the
# solo pool it would connect anew for every state it stores. Pool it, as in production.
celery_records.session_manager.forked = True


@app.task(name="bench.plain_double_tracked", acks_late=True, reject_on_worker_lost=True, ignore_result=False,
          track_started=True, backend=celery_records)
def plain_double_tracked(n: int) -> int:
    return DoubleOutput(n=DoubleInput(n=n).n * 2).n


_redis = redis.Redis.from_url(os.environ["OPSGEN_BENCH_BROKER"])


@signals.task_postrun.connect
def _signal_done(task_id: str | None = None, **_kwargs: object) -> None:
    _redis.rpush(DONE_LIST, task_id or "")
