"""What the execution row and ``opsgen ops`` show of a queued execution that runs more than once.

A retried or taken-over execution has one attempt row per claim, and one execution row
for the whole execution. That row starts at the first claim. While the execution runs
again it shows no end time, duration or error of an earlier attempt, and once it ends
its duration spans every attempt. Each case runs on SQLite and PostgreSQL, whose
workers claim and close attempts through different statements.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from integration_ops import app_metadata, ops

from opsgen.cli.main import main
from opsgen.integrations.background import (
    ABANDONED_NOTE,
    AttemptCloser,
    Claimed,
    QueuedCall,
    attempts_of,
    claim,
    enqueue,
    run_queued,
)
from opsgen.integrations.operations import index_operations
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.pipeline import execute
from opsgen.runtime.runtime import Runtime

#: Columns that the end of an attempt writes on the execution row.
ATTEMPT_END_COLUMNS = ("finished_at", "duration_ms", "error_code", "error_message", "error_details", "traceback")


def runtime_on(database_url: str) -> Iterator[Runtime]:
    created = Runtime(Settings(root=Path.cwd(), database_url=database_url))
    created.ensure_schema()
    app_metadata.create_all(created.engine)
    yield created
    created.dispose()


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def runtime(request: pytest.FixtureRequest) -> Iterator[Runtime]:
    yield from runtime_on(request.getfixturevalue(request.param))


@pytest.fixture
def postgres_runtime(postgres_url: str) -> Iterator[Runtime]:
    yield from runtime_on(postgres_url)


def flaky_call(runtime: Runtime, tmp_path: Path, succeed_on: int) -> QueuedCall:
    sent: list[QueuedCall] = []
    inputs = {"counter": str(tmp_path / "count"), "succeed_on": succeed_on}
    enqueue(ops.demo.flaky.bind(runtime), Context(actor="lee"), inputs, sent.append)
    (call,) = sent
    return call


def execution_row(runtime: Runtime, execution_id: str) -> dict[str, Any]:
    row = runtime.store.find_execution(execution_id)
    assert row is not None
    return row


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def show_json(runtime: Runtime, execution_id: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    url = runtime.engine.url.render_as_string(hide_password=False)
    assert main(["ops", "show", execution_id, "--format", "json", "--database-url", url]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_retry_pending_row_has_no_attempt_end(runtime: Runtime, tmp_path: Path) -> None:
    call = flaky_call(runtime, tmp_path, succeed_on=2)

    first = run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert first.retry_in is not None
    row = execution_row(runtime, call.execution_id)
    assert row["status"] == "pending"
    assert row["finished_at"] is None
    assert row["duration_ms"] is None
    # The error stays as the reason the execution waits for another attempt.
    assert row["error_code"] == "unhandled_exception"


def test_reclaimed_row_drops_earlier_attempt_outcome(
    runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call = flaky_call(runtime, tmp_path, succeed_on=2)
    run_queued(index_operations(ops, runtime), runtime, call, lease=30)
    (first_attempt,) = attempts_of(runtime, call.execution_id)

    second = claim(runtime, call.execution_id, lease=30)

    assert isinstance(second, Claimed)
    assert second.attempt == 2
    row = execution_row(runtime, call.execution_id)
    assert row["status"] == "running"
    for column in ATTEMPT_END_COLUMNS:
        assert row[column] is None, f"{column} of the running execution is {row[column]!r}"
    assert utc(row["started_at"]) == utc(first_attempt["started_at"])
    document = show_json(runtime, call.execution_id, capsys)
    assert document["execution"]["status"] == "running"
    assert document["execution"]["error_code"] is None
    assert document["execution"]["finished_at"] is None
    assert [attempt["status"] for attempt in document["attempts"]] == ["retrying", "running"]
    assert document["attempts"][0]["error_code"] == "unhandled_exception"
    assert document["attempts"][0]["error_message"] == "ConnectionError: attempt 1 could not reach the provider"


def test_retried_execution_duration_spans_attempts(runtime: Runtime, tmp_path: Path) -> None:
    call = flaky_call(runtime, tmp_path, succeed_on=2)
    handles = index_operations(ops, runtime)
    run_queued(handles, runtime, call, lease=30)
    time.sleep(0.3)

    second = run_queued(handles, runtime, call, lease=30)

    assert second.result is not None and second.result.ok
    row = execution_row(runtime, call.execution_id)
    first_attempt, last_attempt = attempts_of(runtime, call.execution_id)
    assert utc(row["started_at"]) == utc(first_attempt["started_at"])
    span_ms = (utc(row["finished_at"]) - utc(row["started_at"])).total_seconds() * 1000.0
    assert row["duration_ms"] == pytest.approx(span_ms, abs=1.0)
    between_ms = (utc(last_attempt["started_at"]) - utc(first_attempt["started_at"])).total_seconds() * 1000.0
    assert row["duration_ms"] >= between_ms >= 300.0


def test_taken_over_attempt_has_abandoned_error(
    runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call = flaky_call(runtime, tmp_path, succeed_on=1)
    claim(runtime, call.execution_id, lease=0.05)
    time.sleep(0.2)

    outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert outcome.result is not None and outcome.result.ok
    abandoned, succeeded = attempts_of(runtime, call.execution_id)
    assert (abandoned["status"], abandoned["error_code"]) == ("abandoned", "abandoned")
    assert abandoned["error_message"] == ABANDONED_NOTE
    assert succeeded["error_code"] is None
    row = execution_row(runtime, call.execution_id)
    assert utc(row["started_at"]) == utc(abandoned["started_at"])
    url = runtime.engine.url.render_as_string(hide_password=False)
    capsys.readouterr()
    assert main(["ops", "show", call.execution_id, "--database-url", url]) == 0
    output = capsys.readouterr().out
    assert f"abandoned: {ABANDONED_NOTE}" in output


@pytest.mark.parametrize("succeed_on", [1, 2], ids=["second-attempt-succeeds", "second-attempt-retried"])
def test_close_with_record_statements_on_postgresql(
    postgres_runtime: Runtime, tmp_path: Path, succeed_on: int
) -> None:
    # An AttemptCloser without a runtime cannot write the final record itself, so the
    # pipeline writes it and the closer adds its PostgreSQL statement in the same
    # transaction, as on an engine whose connections belong to Django.
    runtime = postgres_runtime
    call = flaky_call(runtime, tmp_path, succeed_on=succeed_on + 1)
    handle = ops.demo.flaky.bind(runtime)
    run_queued(index_operations(ops, runtime), runtime, call, lease=30)
    time.sleep(0.3)
    second = claim(runtime, call.execution_id, lease=30)
    assert isinstance(second, Claimed)
    closer = AttemptCloser(ops.demo.flaky, call.execution_id, second.attempt)

    execute(handle, Context(actor="lee"), call.input, record=second.record, on_final=closer)

    assert closer.closed
    row = execution_row(runtime, call.execution_id)
    first_attempt = attempts_of(runtime, call.execution_id)[0]
    if succeed_on == 1:
        assert row["status"] == "succeeded"
        span_ms = (utc(row["finished_at"]) - utc(first_attempt["started_at"])).total_seconds() * 1000.0
        assert row["duration_ms"] == pytest.approx(span_ms, abs=1.0)
        assert row["duration_ms"] >= 300.0
    else:
        assert row["status"] == "pending"
        assert row["finished_at"] is None
        assert row["duration_ms"] is None
