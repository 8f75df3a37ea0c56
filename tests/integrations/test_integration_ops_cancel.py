"""`opsgen ops cancel`: a queued call that no worker has started is not run; others are refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration_ops import app_metadata, notes, ops
from sqlalchemy import func, select

from opsgen.cli.main import main
from opsgen.integrations.background import QueuedCall, claim, enqueue, run_queued
from opsgen.integrations.operations import index_operations
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def log_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(request.param)
    return url


@pytest.fixture
def runtime(log_url: str) -> Iterator[Runtime]:
    created = Runtime(Settings(root=Path.cwd(), database_url=log_url))
    created.ensure_schema()
    app_metadata.create_all(created.engine)
    yield created
    created.dispose()


def queued(runtime: Runtime, text: str) -> QueuedCall:
    """Queue a note whose text is unique to this run, since other tests share the table."""
    sent: list[QueuedCall] = []
    enqueue(ops.demo.record_note.bind(runtime), Context(actor="lee"), {"text": text}, sent.append)
    return sent[0]


def note_count(runtime: Runtime, text: str) -> int:
    with runtime.engine.connect() as connection:
        query = select(func.count()).select_from(notes).where(notes.c.text == text)
        return int(connection.execute(query).scalar_one())


def cancel(log_url: str, execution_id: str, *extra: str) -> int:
    return main(["ops", "cancel", execution_id, "--database-url", log_url, *extra])


def test_cancelled_call_is_not_run_by_its_worker(
    runtime: Runtime, log_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f"never written {uuid.uuid4()}"
    call = queued(runtime, text)

    assert cancel(log_url, call.execution_id[:8], "--reason", "sent twice by mistake") == 0
    assert f"cancelled execution {call.execution_id}" in capsys.readouterr().out

    outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert outcome.result is None
    assert outcome.note == "finished"
    assert note_count(runtime, text) == 0
    record: Any = runtime.store.find_execution(call.execution_id)
    assert (record["status"], record["error_code"]) == ("cancelled", "cancelled_by_operator")
    assert record["error_message"].endswith("with opsgen ops cancel: sent twice by mistake")


def test_running_call_is_not_cancelled(runtime: Runtime, log_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    call = queued(runtime, "already claimed")
    claim(runtime, call.execution_id, lease=30)

    assert cancel(log_url, call.execution_id) == 1
    assert "is running on" in capsys.readouterr().err
    record: Any = runtime.store.find_execution(call.execution_id)
    assert record["status"] == "running"


def test_finished_call_is_not_cancelled(runtime: Runtime, log_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = f"done {uuid.uuid4()}"
    call = queued(runtime, text)
    run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert cancel(log_url, call.execution_id) == 1
    assert "has already ended: succeeded" in capsys.readouterr().err
    assert note_count(runtime, text) == 1
