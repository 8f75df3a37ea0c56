"""The Celery app that bench_celery.py starts a worker on.

It has two tasks doing the same trivial work: the opsgen operation ``bench.double``
(no transaction, the execution log on PostgreSQL) and the plain Celery task
``bench.plain_double``. After either task finishes, the worker pushes its id onto a
Redis list, so the benchmark detects both completions through the same signal.
"""

from __future__ import annotations

import os
from typing import Any

import redis
from celery import Celery, signals
from pydantic import BaseModel

from opsgen.integrations import celery as opsgen_celery
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime, configure

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
integration = opsgen_celery.install(app, [double], runtime=runtime, log_context=False)


@app.task(name="bench.plain_double", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def plain_double(n: int) -> int:
    return DoubleOutput(n=DoubleInput(n=n).n * 2).n


_redis = redis.Redis.from_url(os.environ["OPSGEN_BENCH_BROKER"])


@signals.task_postrun.connect
def _signal_done(task_id: str | None = None, **_kwargs: object) -> None:
    _redis.rpush(DONE_LIST, task_id or "")
