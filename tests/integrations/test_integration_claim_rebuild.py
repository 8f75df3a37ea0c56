"""A worker's claim on a queued call whose pending record is missing, on real SQLite and PostgreSQL logs.

The claim rebuilds the record from the message, so the call runs once and is
recorded with the sender's actor, parent, root and redacted input. These tests drive
``run_queued`` and ``claim`` directly, without a broker; the Celery worker runs the
same path in ``test_integration_celery_rebuild.py``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from integration_ops import app_metadata, notes, ops
from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, func, insert, select

from opsgen.integrations.background import (
    Claimed,
    MalformedMessage,
    NotClaimed,
    QueuedCall,
    attempts_of,
    claim,
    enqueue,
    rebuilt_record,
    run_queued,
)
from opsgen.integrations.operations import index_operations
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions

REBUILT_WARNING = "the pending record was missing from the execution log and was rebuilt from the message"

#: Messages the operations below sent, and the input each queued call found in its own row while it ran.
SENT: list[QueuedCall] = []
SEEN_INPUTS: list[Any] = []


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignInInput(_Model):
    user: str
    password: str


class SignInOutput(_Model):
    user: str


SIGN_IN = OperationDeclaration(
    name="rebuild.sign_in",
    version=3,
    description="Read the row of this execution, then return the user.",
    input_model=SignInInput,
    output_model=SignInOutput,
    context_requires=("actor",),
    sensitive_fields=frozenset({"password"}),
    queue="notes",
)


class SignIn(Operation[SignInInput, SignInOutput]):
    declaration = SIGN_IN

    def run(self, ctx: ExecutionContext, *, user: str, password: str) -> SignInOutput:  # type: ignore[override]
        query = select(executions.c.input).where(executions.c.id == ctx.execution_id)
        with ctx.runtime.engine.connect() as connection:
            SEEN_INPUTS.append(connection.execute(query).scalar_one())
        return SignInOutput(user=user)


class PlanSignInInput(_Model):
    user: str
    password: str


class PlanSignInOutput(_Model):
    queued: str


PLAN_SIGN_IN = OperationDeclaration(
    name="rebuild.plan_sign_in",
    version=1,
    description="Queue one sign-in, sending the message to SENT.",
    input_model=PlanSignInInput,
    output_model=PlanSignInOutput,
    sensitive_fields=frozenset({"password"}),
)


class PlanSignIn(Operation[PlanSignInInput, PlanSignInOutput]):
    declaration = PLAN_SIGN_IN

    def run(self, ctx: ExecutionContext, *, user: str, password: str) -> PlanSignInOutput:  # type: ignore[override]
        handle = sign_in.bind(ctx.runtime)
        return PlanSignInOutput(queued=enqueue(handle, ctx, {"user": user, "password": password}, SENT.append))


sign_in: OperationHandle[Any, Any] = OperationHandle(SIGN_IN, SignIn)
plan_sign_in: OperationHandle[Any, Any] = OperationHandle(PLAN_SIGN_IN, PlanSignIn)


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def runtime(request: pytest.FixtureRequest) -> Iterator[Runtime]:
    created = Runtime(Settings(root=Path.cwd(), database_url=request.getfixturevalue(request.param)))
    created.ensure_schema()
    app_metadata.create_all(created.engine)
    SENT.clear()
    SEEN_INPUTS.clear()
    yield created
    created.dispose()


@pytest.fixture
def postgres_runtime(postgres_url: str) -> Iterator[Runtime]:
    created = Runtime(Settings(root=Path.cwd(), database_url=postgres_url))
    created.ensure_schema()
    app_metadata.create_all(created.engine)
    yield created
    created.dispose()


def handles_of(runtime: Runtime) -> dict[str, OperationHandle[Any, Any]]:
    handles = index_operations(ops, runtime)
    handles[SIGN_IN.name] = sign_in.bind(runtime)
    return handles


def queue_note(runtime: Runtime, text: str, actor: str = "lee") -> QueuedCall:
    sent: list[QueuedCall] = []
    enqueue(ops.demo.record_note.bind(runtime), Context(actor=actor), {"text": text}, sent.append)
    assert len(sent) == 1
    return sent[0]


def delete_record(runtime: Runtime, execution_id: str) -> None:
    with runtime.engine.begin() as connection:
        removed = connection.execute(delete(executions).where(executions.c.id == execution_id)).rowcount
    assert removed == 1


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; SQLite returns naive datetimes, stored in UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def count_rows(runtime: Runtime, execution_id: str) -> int:
    query = select(func.count()).select_from(executions).where(executions.c.id == execution_id)
    with runtime.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def count_notes(runtime: Runtime, text: str) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(notes.c.text == text)).scalar_one())


def test_message_carries_record_lineage(runtime: Runtime) -> None:
    result = plan_sign_in.bind(runtime)(Context(actor="ann"), user="ann", password="s3cret-pass")
    assert result.ok

    message = SENT[0]
    record = runtime.store.find_execution(message.execution_id)

    assert record is not None
    assert message.parent_id == result.execution_id
    assert message.root_id == result.execution_id
    assert message.operation_version == 3
    assert message.created_at == as_utc(record["created_at"])
    assert QueuedCall.from_dict(message.to_dict()) == message


def test_missing_record_is_rebuilt_and_run(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    planned = plan_sign_in.bind(runtime)(Context(actor="ann", request_id="req-7"), user="ann", password="s3cret-pass")
    assert planned.ok
    message = SENT[0]
    delete_record(runtime, message.execution_id)

    with caplog.at_level(logging.WARNING, logger="opsgen.integrations.background"):
        outcome = run_queued(handles_of(runtime), runtime, message, lease=30)

    assert outcome.result is not None
    assert outcome.result.ok
    record = runtime.store.find_execution(message.execution_id)
    assert record is not None
    assert record["status"] == "succeeded"
    assert record["actor"] == "ann"
    assert record["request_id"] == "req-7"
    assert record["parent_id"] == planned.execution_id
    assert record["root_id"] == planned.execution_id
    assert record["operation_version"] == 3
    assert record["input"] == {"user": "ann", "password": "***"}
    assert message.input["password"] == "s3cret-pass", "the operation needs the password from the message"
    assert SEEN_INPUTS == [{"user": "ann", "password": "***"}], "the rebuilt row must hold the redacted input"
    assert [attempt["status"] for attempt in attempts_of(runtime, message.execution_id)] == ["succeeded"]
    warnings = [entry.getMessage() for entry in caplog.records if REBUILT_WARNING in entry.getMessage()]
    assert len(warnings) == 1
    assert message.execution_id in warnings[0]
    assert "s3cret-pass" not in caplog.text


def test_repeated_message_after_rebuild_is_not_run(runtime: Runtime) -> None:
    message = queue_note(runtime, "rebuilt once")
    delete_record(runtime, message.execution_id)
    handles = handles_of(runtime)
    first = run_queued(handles, runtime, message, lease=30)
    assert first.result is not None
    assert first.result.ok

    repeat = run_queued(handles, runtime, message, lease=30)

    assert repeat.result is None
    assert repeat.note == "finished"
    assert count_notes(runtime, "rebuilt once") == 1
    assert count_rows(runtime, message.execution_id) == 1
    assert len(attempts_of(runtime, message.execution_id)) == 1


def test_old_message_is_rebuilt_as_root(runtime: Runtime) -> None:
    execution_id = "00000000-0000-4000-8000-000000000001"
    body = {
        "operation": "demo.record_note",
        "execution_id": execution_id,
        "input": {"text": "from an older sender"},
        "context": {"actor": "otto", "organization": "acme", "parent_execution_id": None, "extra": {"tenant": "t1"}},
        "queue": "notes",
    }

    outcome = run_queued(handles_of(runtime), runtime, QueuedCall.from_dict(body), lease=30)

    assert outcome.result is not None
    assert outcome.result.ok
    record = runtime.store.find_execution(execution_id)
    assert record is not None
    assert record["status"] == "succeeded"
    assert record["parent_id"] is None
    assert record["root_id"] == execution_id
    assert record["actor"] == "otto"
    assert record["organization"] == "acme"
    assert record["context_extra"] == {"tenant": "t1"}
    assert record["operation_version"] == ops.demo.record_note.declaration.version
    assert record["input"] == {"text": "from an older sender", "hold": None}
    assert count_notes(runtime, "from an older sender") == 1


def test_rebuilt_invalid_input_is_redacted(runtime: Runtime) -> None:
    execution_id = "00000000-0000-4000-8000-000000000002"
    body = {
        "operation": SIGN_IN.name,
        "execution_id": execution_id,
        "input": {"user": "ann", "password": "hunter2-long", "hint": "starts with hunter2-long"},
        "context": {"actor": "ann"},
    }

    outcome = run_queued(handles_of(runtime), runtime, QueuedCall.from_dict(body), lease=30)

    assert outcome.result is not None
    assert outcome.result.code == "invalid_input"
    record = runtime.store.find_execution(execution_id)
    assert record is not None
    assert record["status"] == "failed"
    assert record["input"] == {"user": "ann", "password": "***", "hint": "starts with ***"}
    assert [attempt["status"] for attempt in attempts_of(runtime, execution_id)] == ["failed"]


def test_second_rebuild_finds_first_claim(runtime: Runtime) -> None:
    message = queue_note(runtime, "claimed by two")
    delete_record(runtime, message.execution_id)
    rebuild = lambda: rebuilt_record(ops.demo.record_note, message)  # noqa: E731

    first = claim(runtime, message.execution_id, lease=30, rebuild=rebuild)
    second = claim(runtime, message.execution_id, lease=30, rebuild=rebuild)

    assert isinstance(first, Claimed)
    assert first.rebuilt
    assert first.attempt == 1
    assert isinstance(second, NotClaimed)
    assert second.reason == "busy"
    assert count_rows(runtime, message.execution_id) == 1
    assert len(attempts_of(runtime, message.execution_id)) == 1


def test_unknown_operation_records_nothing(runtime: Runtime) -> None:
    execution_id = "00000000-0000-4000-8000-000000000004"
    call = QueuedCall("demo.no_such_operation", execution_id, {}, {"actor": "lee"}, "notes")

    outcome = run_queued(handles_of(runtime), runtime, call, lease=30)

    assert outcome.result is not None
    assert outcome.result.code == "unknown_operation"
    assert count_rows(runtime, execution_id) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("created_at", "yesterday"), ("created_at", 17), ("operation_version", "3"), ("operation_version", True),
     ("parent_id", 5), ("root_id", ["a"])],
)
def test_malformed_lineage_field_is_rejected(field: str, value: Any) -> None:
    body = {"operation": "demo.record_note", "execution_id": "x", "input": {}, "context": {}, field: value}

    with pytest.raises(MalformedMessage, match=field):
        QueuedCall.from_dict(body)


@pytest.mark.postgres
def test_sender_commit_during_rebuild_wins(postgres_runtime: Runtime) -> None:
    """A pending record committed while the rebuild's insert waits on it is claimed instead of rebuilt."""
    runtime = postgres_runtime
    message = queue_note(runtime, "late sender")
    record = runtime.store.find_execution(message.execution_id)
    assert record is not None
    delete_record(runtime, message.execution_id)
    row = {key: record[key] for key in ("id", "operation", "operation_version", "status", "root_id", "actor",
                                        "input", "created_at")}
    sender = runtime.engine.connect()
    sender_transaction = sender.begin()
    committed = threading.Event()

    def rebuild_while_sender_commits() -> Any:
        # The sender's insert is uncommitted when the rebuild's statement begins, so the
        # statement cannot see it and its insert waits on it until the commit.
        sender.execute(insert(executions).values(row))
        timer = threading.Timer(0.5, lambda: (sender_transaction.commit(), committed.set()))
        timer.start()
        return rebuilt_record(ops.demo.record_note, message)

    try:
        outcome = claim(runtime, message.execution_id, lease=30, rebuild=rebuild_while_sender_commits)
    finally:
        committed.wait(10)
        sender.close()

    assert isinstance(outcome, Claimed)
    assert not outcome.rebuilt
    assert outcome.record.created_at == as_utc(record["created_at"])
    assert count_rows(runtime, message.execution_id) == 1
    assert [attempt["status"] for attempt in attempts_of(runtime, message.execution_id)] == ["running"]


def test_staged_pending_record_is_moved_not_rebuilt(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """On SQLite a pending record staged in the live file, because the log was busy, is moved and claimed."""
    runtime = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    runtime.ensure_schema()
    app_metadata.create_all(runtime.engine)
    try:
        message = queue_note(runtime, "staged sender")
        with runtime.engine.connect() as connection:
            row = dict(connection.execute(select(executions).where(executions.c.id == message.execution_id)).one()._mapping)
        delete_record(runtime, message.execution_id)
        live = runtime.store.live
        assert live is not None
        # Keep the live file's background thread from moving the record before the claim does.
        monkeypatch.setattr(live, "_wake", lambda notify=True: None)
        live.stage(row)

        with caplog.at_level(logging.WARNING, logger="opsgen.integrations.background"):
            outcome = run_queued(handles_of(runtime), runtime, message, lease=30)

        assert outcome.result is not None
        assert outcome.result.ok
        assert REBUILT_WARNING not in caplog.text
        record = runtime.store.find_execution(message.execution_id)
        assert record is not None
        assert record["status"] == "succeeded"
        assert as_utc(record["created_at"]) == as_utc(row["created_at"])
        assert count_notes(runtime, "staged sender") == 1
    finally:
        runtime.dispose()


def non_object_message(execution_id: str, value: Any) -> QueuedCall:
    """Return a message whose input is ``value``; ``QueuedCall.from_dict`` would reject it, code may build it."""
    return QueuedCall(operation=SIGN_IN.name, execution_id=execution_id, input=value, context={"actor": "ann"})


@pytest.mark.parametrize("value", [["ann", "hunter2-long"], "ann", 3, None], ids=["list", "str", "int", "none"])
def test_rebuilt_non_object_input_kept(value: Any) -> None:
    record = rebuilt_record(sign_in, non_object_message("00000000-0000-4000-8000-00000000000a", value))

    assert record.status == "pending"
    assert record.operation_version == SIGN_IN.version
    assert record.input == value


def test_rebuilt_non_object_input_redacted() -> None:
    value = [{"user": "ann", "password": "hunter2-long"}, "hint: hunter2-long"]

    record = rebuilt_record(sign_in, non_object_message("00000000-0000-4000-8000-00000000000b", value))

    assert record.input == [{"user": "ann", "password": "***"}, "hint: ***"]


def test_rebuilt_non_object_input_fails_call(runtime: Runtime) -> None:
    execution_id = "00000000-0000-4000-8000-00000000000c"
    message = non_object_message(execution_id, [{"user": "ann", "password": "hunter2-long"}])

    outcome = run_queued(handles_of(runtime), runtime, message, lease=30)

    assert outcome.result is not None
    assert outcome.result.code == "invalid_input"
    assert outcome.retry_in is None
    record = runtime.store.find_execution(execution_id)
    assert record is not None
    assert record["status"] == "failed"
    assert record["error_code"] == "invalid_input"
    assert record["input"] == [{"user": "ann", "password": "***"}]
    assert record["actor"] == "ann"
    assert [attempt["status"] for attempt in attempts_of(runtime, execution_id)] == ["failed"]
