"""What a worker records and logs about a queued call that another process ended.

A worker that finds the claiming process gone on its host (see
test_integration_dead_worker_takeover) has found more than a lease that stopped being
renewed, so the abandoned attempt row states that the process ended. A call cancelled before
any worker saw it is not a repeated message, so the log message states only that it has ended.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration_ops import app_metadata, ops
from test_integration_dead_worker_takeover import _claimed_by_killed_worker

from opsgen.cli.ops import CANCELLED_CODE
from opsgen.integrations.background import ABANDONED_NOTE, QueuedCall, attempts_of, enqueue, run_queued
from opsgen.integrations.operations import index_operations
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.store import HOST


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(request.param))


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    created = Runtime(Settings(root=Path.cwd(), database_url=database_url))
    created.ensure_schema()
    app_metadata.create_all(created.engine)
    yield created
    created.dispose()


def test_killed_local_worker_attempt_names_process(runtime: Runtime, database_url: str) -> None:
    call, holder = _claimed_by_killed_worker(runtime, database_url, reap=True)

    outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert outcome.result is not None and outcome.result.ok, outcome
    abandoned, succeeded = attempts_of(runtime, call.execution_id)
    assert abandoned["status"] == "abandoned"
    assert abandoned["error_message"] == f"process {holder.pid} on {HOST} ended before the execution finished"
    assert abandoned["error_message"] != ABANDONED_NOTE
    assert succeeded["status"] == "succeeded"


def test_cancelled_call_logged_as_ended(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    sent: list[QueuedCall] = []
    enqueue(ops.demo.record_note.bind(runtime), Context(actor="lee"), {"text": "cancelled"}, sent.append)
    [call] = sent
    assert runtime.store.cancel_if_pending(call.execution_id, CANCELLED_CODE, "cancelled by lee with opsgen ops cancel")

    with caplog.at_level(logging.INFO, logger="opsgen.integrations.background.worker"):
        outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert outcome.note == "finished"
    messages = [record.getMessage() for record in caplog.records]
    expected = f"execution {call.execution_id} of demo.record_note has already ended (cancelled); its message is not run"
    assert expected in messages
    assert not any("repeated" in message for message in messages)
