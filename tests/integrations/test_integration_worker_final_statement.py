"""The worker's final statement on psycopg's cursor, on a real PostgreSQL log.

For a call without a transaction the worker writes the final record, closes the
attempt row and drops the lease in one statement. That statement is compiled once
per set of columns and runs on the driver's cursor, unless a listener of
SQLAlchemy's cursor events watches the engine. These tests check that SQLAlchemy
runs no statement of a plain queued call, that a listener still receives the final
statement, and that the columns the statement writes (JSON output and error details,
locks, singleton, progress, a retry's error) read back as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration_ops import ops
from integration_postgres import postgres_runtime
from sqlalchemy import Connection, event, select

from opsgen.integrations.background import QueuedCall, WorkerOutcome, attempts_of, enqueue, run_queued
from opsgen.integrations.operations import index_operations
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions


@pytest.fixture
def runtime(postgres_url: str) -> Iterator[Runtime]:
    with postgres_runtime(postgres_url) as made:
        yield made


def enqueue_call(runtime: Runtime, handle: Any, inputs: dict[str, Any]) -> QueuedCall:
    sent: list[QueuedCall] = []
    enqueue(handle.bind(runtime), Context(actor="kim"), inputs, sent.append)
    return sent[0]


def run(runtime: Runtime, call: QueuedCall) -> WorkerOutcome:
    return run_queued(index_operations(ops, runtime), runtime, call, lease=30)


def row_of(runtime: Runtime, execution_id: str) -> dict[str, Any]:
    with runtime.engine.connect() as connection:
        row = connection.execute(select(executions).where(executions.c.id == execution_id)).one()
    return dict(row._mapping)


def test_queued_call_runs_no_sqlalchemy_statement(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [
        enqueue_call(runtime, ops.demo.flaky, {"counter": str(tmp_path / f"call-{number}"), "succeed_on": 1})
        for number in range(3)
    ]
    executed: list[object] = []
    execute = Connection.execute

    def counted_execute(connection: Connection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append(statement)
        return execute(connection, statement, *args, **kwargs)

    monkeypatch.setattr(Connection, "execute", counted_execute)
    outcomes = [run(runtime, call) for call in calls]
    monkeypatch.undo()

    assert executed == []
    assert [outcome.result.ok for outcome in outcomes if outcome.result is not None] == [True, True, True]
    row = row_of(runtime, calls[0].execution_id)
    assert row["status"] == "succeeded"
    assert row["output"] == {"attempts": 1}
    assert row["error_code"] is None
    assert row["lease_expires_at"] is None
    assert row["finished_at"] is not None
    assert row["duration_ms"] is not None
    assert [attempt["status"] for attempt in attempts_of(runtime, calls[0].execution_id)] == ["succeeded"]


def test_statement_listener_sees_final_statement(runtime: Runtime, tmp_path: Path) -> None:
    call = enqueue_call(runtime, ops.demo.flaky, {"counter": str(tmp_path / "count"), "succeed_on": 1})
    statements: list[str] = []

    def seen(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(runtime.engine, "before_cursor_execute", seen)
    try:
        outcome = run(runtime, call)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", seen)

    assert outcome.result is not None
    assert outcome.result.ok
    assert len(statements) == 1
    assert statements[0].startswith("WITH closed AS (UPDATE opsgen_execution_attempts")
    assert row_of(runtime, call.execution_id)["output"] == {"attempts": 1}


def test_final_statement_writes_locks_and_progress(runtime: Runtime) -> None:
    call = enqueue_call(runtime, ops.demo.tally, {"name": "pears", "items": 4})

    outcome = run(runtime, call)

    assert outcome.result is not None
    assert outcome.result.ok
    row = row_of(runtime, call.execution_id)
    assert row["status"] == "succeeded"
    assert row["output"] == {"counted": 4}
    assert row["lock_keys"] == ["tally:pears"]
    assert row["singleton_key"] == "singleton:tally"
    assert row["progress_total"] == 4
    assert row["progress_done"] == 4
    assert row["lease_expires_at"] is None


def test_final_statement_writes_retry_error(runtime: Runtime, tmp_path: Path) -> None:
    call = enqueue_call(runtime, ops.demo.flaky, {"counter": str(tmp_path / "count"), "succeed_on": 2})

    first = run(runtime, call)
    retrying = row_of(runtime, call.execution_id)
    second = run(runtime, call)
    finished = row_of(runtime, call.execution_id)

    assert first.retry_in is not None
    assert retrying["status"] == "pending"
    assert retrying["error_code"] == "unhandled_exception"
    assert retrying["error_message"] == "ConnectionError: attempt 1 could not reach the provider"
    assert retrying["error_details"] == {"exception": "builtins.ConnectionError"}
    assert retrying["output"] is None
    assert retrying["lease_expires_at"] is None
    assert second.result is not None
    assert second.result.ok
    assert finished["status"] == "succeeded"
    assert finished["error_code"] is None
    assert finished["error_details"] is None
    assert finished["output"] == {"attempts": 2}
    assert [attempt["status"] for attempt in attempts_of(runtime, call.execution_id)] == ["retrying", "succeeded"]
