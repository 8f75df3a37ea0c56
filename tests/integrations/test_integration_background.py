"""The worker's claim on a queued execution, on real SQLite and PostgreSQL logs: busy, takeover, finished, lost.

PostgreSQL claims in one statement of its own, so each case runs on both databases.
On PostgreSQL the worker also closes its attempt row through the pipeline's
``on_final`` hook, in the transaction that writes the final record. On SQLite it
closes the row in a transaction of its own afterwards. The hook itself works on both.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration_ops import app_metadata, notes, ops
from sqlalchemy import Connection, event, func, select

from opsgen.integrations.background import Claimed, QueuedCall, attempts_of, claim, enqueue, run_queued
from opsgen.integrations.operations import index_operations
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context, use_context
from opsgen.runtime.errors import MissingContextError
from opsgen.runtime.pipeline import execute
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions
from opsgen.runtime.store import ExecutionRecord


class HookFailed(Exception):
    """Raised by a final hook to show that its transaction rolls back."""


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def runtime(request: pytest.FixtureRequest) -> Iterator[Runtime]:
    made = Runtime(Settings(root=Path.cwd(), database_url=request.getfixturevalue(request.param)))
    made.ensure_schema()
    app_metadata.create_all(made.engine)
    yield made
    made.dispose()


def queued(runtime: Runtime, text: str) -> QueuedCall:
    return queue_call(runtime, ops.demo.record_note, {"text": text})


def queue_call(runtime: Runtime, handle: Any, inputs: dict[str, Any]) -> QueuedCall:
    sent: list[QueuedCall] = []
    enqueue(handle.bind(runtime), Context(actor="lee"), inputs, sent.append)
    assert len(sent) == 1
    return sent[0]


def test_live_claim_makes_repeat_wait(runtime: Runtime) -> None:
    call = queued(runtime, "busy")
    first = claim(runtime, call.execution_id, lease=30)
    assert isinstance(first, Claimed)

    outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert outcome.result is None
    assert outcome.note == "busy"
    assert outcome.retry_in is not None
    assert 25 < outcome.retry_in <= 31
    assert [attempt["status"] for attempt in attempts_of(runtime, call.execution_id)] == ["running"]


def test_expired_claim_is_taken_over(runtime: Runtime) -> None:
    call = queued(runtime, "taken over")
    claim(runtime, call.execution_id, lease=0.05)
    time.sleep(0.2)

    outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert outcome.result is not None
    assert outcome.result.ok
    statuses = [attempt["status"] for attempt in attempts_of(runtime, call.execution_id)]
    assert statuses == ["abandoned", "succeeded"]
    assert runtime.store.find_execution(call.execution_id)["status"] == "succeeded"  # type: ignore[index]


def test_finished_execution_is_not_run_again(runtime: Runtime) -> None:
    call = queued(runtime, "once")
    handles = index_operations(ops, runtime)
    run_queued(handles, runtime, call, lease=30)

    repeat = run_queued(handles, runtime, call, lease=30)

    assert repeat.result is None
    assert repeat.note == "finished"
    assert len(attempts_of(runtime, call.execution_id)) == 1


def test_too_many_dead_workers_fail_execution(runtime: Runtime) -> None:
    call = queued(runtime, "poison")
    for _ in range(3):
        claim(runtime, call.execution_id, lease=0.05)
        time.sleep(0.15)

    outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30, max_takeovers=2)

    assert outcome.result is not None
    assert not outcome.result.ok
    assert outcome.result.code == "worker_lost"
    record = runtime.store.find_execution(call.execution_id)
    assert record is not None
    assert (record["status"], record["error_code"]) == ("failed", "worker_lost")
    statuses = [attempt["status"] for attempt in attempts_of(runtime, call.execution_id)]
    assert statuses == ["abandoned", "abandoned", "abandoned", "failed"]


def test_claim_without_rebuild_reports_missing(runtime: Runtime) -> None:
    from opsgen.integrations.background import NotClaimed

    outcome = claim(runtime, "00000000-0000-0000-0000-000000000000", lease=30)

    assert isinstance(outcome, NotClaimed)
    assert outcome.reason == "missing"


def test_abandoned_execution_is_taken_over(runtime: Runtime) -> None:
    from sqlalchemy import update

    from opsgen.runtime.schema import executions

    call = queued(runtime, "marked abandoned")
    claim(runtime, call.execution_id, lease=30)
    with runtime.engine.begin() as connection:
        connection.execute(update(executions).where(executions.c.id == call.execution_id).values(status="abandoned"))

    outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert outcome.result is not None
    assert outcome.result.ok
    statuses = [attempt["status"] for attempt in attempts_of(runtime, call.execution_id)]
    assert statuses == ["abandoned", "succeeded"]


def test_enqueue_without_disk_wait_records_pending_and_runs(runtime: Runtime) -> None:
    sent: list[QueuedCall] = []
    execution_id = enqueue(ops.demo.record_note.bind(runtime), Context(actor="lee"), {"text": "fast"}, sent.append,
                           durable=False)

    pending = runtime.store.find_execution(execution_id)
    assert pending is not None
    assert pending["status"] == "pending"
    assert pending["actor"] == "lee"
    outcome = run_queued(index_operations(ops, runtime), runtime, sent[0], lease=30)

    assert outcome.result is not None
    assert outcome.result.ok
    assert runtime.store.find_execution(execution_id)["status"] == "succeeded"  # type: ignore[index]
    assert [attempt["status"] for attempt in attempts_of(runtime, execution_id)] == ["succeeded"]


def test_enqueue_missing_context_rejected(runtime: Runtime) -> None:
    sent: list[QueuedCall] = []
    before = len(runtime.store.list_executions(limit=1000))

    with pytest.raises(MissingContextError, match="demo.record_note requires the context key actor,") as raised:
        enqueue(ops.demo.record_note.bind(runtime), Context(request_id="req-1"), {"text": "nobody"}, sent.append)

    assert raised.value.missing == ["actor"]
    assert sent == []
    assert len(runtime.store.list_executions(limit=1000)) == before
    # The context the caller is running under counts, as for a direct call.
    with use_context(Context(actor="ann")):
        enqueue(ops.demo.record_note.bind(runtime), None, {"text": "ann's"}, sent.append)
    assert [call.context["actor"] for call in sent] == ["ann"]


def test_lease_is_renewed_while_held_and_lapses_after(runtime: Runtime) -> None:
    from opsgen.integrations.background import LeaseKeeper, NotClaimed

    call = queued(runtime, "long running")
    first = claim(runtime, call.execution_id, lease=0.3)
    assert isinstance(first, Claimed)

    with LeaseKeeper(runtime, call.execution_id, 0.3):
        time.sleep(1.0)
        held = claim(runtime, call.execution_id, lease=30)
    assert isinstance(held, NotClaimed)
    assert held.reason == "busy"

    time.sleep(0.5)
    taken = claim(runtime, call.execution_id, lease=30)
    assert isinstance(taken, Claimed)
    assert taken.attempt == 2


def execution_row(runtime: Runtime, execution_id: str) -> Any:
    with runtime.engine.connect() as connection:
        return connection.execute(select(executions).where(executions.c.id == execution_id)).one()


def count_notes(runtime: Runtime, text: str) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(notes.c.text == text)).scalar_one())


@pytest.mark.parametrize("operation", ["record_note", "flaky"])
def test_final_hook_sees_record_in_its_transaction(runtime: Runtime, operation: str, tmp_path: Path) -> None:
    inputs = {"text": "hooked"} if operation == "record_note" else {"counter": str(tmp_path / "count"), "succeed_on": 1}
    handle = getattr(ops.demo, operation).bind(runtime)
    seen: list[tuple[str, str]] = []

    def hook(connection: Connection, record: ExecutionRecord) -> None:
        stored = connection.execute(select(executions.c.status).where(executions.c.id == record.id)).scalar_one()
        seen.append((record.status, stored))

    result = execute(handle, Context(actor="lee"), inputs, on_final=hook)

    assert result.ok
    assert seen == [("succeeded", "succeeded")]


def test_final_hook_error_rolls_back_operation_and_record(runtime: Runtime) -> None:
    call = queued(runtime, "never committed")
    claimed = claim(runtime, call.execution_id, lease=30)
    assert isinstance(claimed, Claimed)

    def hook(_connection: Connection, _record: ExecutionRecord) -> None:
        raise HookFailed

    with pytest.raises(HookFailed):
        execute(ops.demo.record_note.bind(runtime), Context(actor="lee"), call.input,
                record=claimed.record, on_final=hook)

    assert execution_row(runtime, call.execution_id).status == "running"
    assert count_notes(runtime, "never committed") == 0


def test_final_hook_error_leaves_untransacted_record_running(runtime: Runtime, tmp_path: Path) -> None:
    call = queue_call(runtime, ops.demo.flaky, {"counter": str(tmp_path / "count"), "succeed_on": 1})
    claimed = claim(runtime, call.execution_id, lease=30)
    assert isinstance(claimed, Claimed)

    def hook(_connection: Connection, _record: ExecutionRecord) -> None:
        raise HookFailed

    with pytest.raises(HookFailed):
        execute(ops.demo.flaky.bind(runtime), Context(actor="lee"), call.input, record=claimed.record, on_final=hook)

    assert execution_row(runtime, call.execution_id).status == "running"


def test_worker_success_closes_attempt_and_lease(runtime: Runtime) -> None:
    call = queued(runtime, "closed")

    outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)

    assert outcome.result is not None
    assert outcome.result.ok
    row = execution_row(runtime, call.execution_id)
    assert row.status == "succeeded"
    assert row.lease_expires_at is None
    attempts = attempts_of(runtime, call.execution_id)
    assert [attempt["status"] for attempt in attempts] == ["succeeded"]
    assert attempts[0]["finished_at"] is not None


def test_worker_retry_returns_execution_to_pending(runtime: Runtime, tmp_path: Path) -> None:
    call = queue_call(runtime, ops.demo.flaky, {"counter": str(tmp_path / "count"), "succeed_on": 2})
    handles = index_operations(ops, runtime)

    first = run_queued(handles, runtime, call, lease=30)

    assert first.retry_in is not None
    row = execution_row(runtime, call.execution_id)
    assert row.status == "pending"
    assert row.lease_expires_at is None
    attempts = attempts_of(runtime, call.execution_id)
    assert [attempt["status"] for attempt in attempts] == ["retrying"]
    assert attempts[0]["error_code"] == "unhandled_exception"

    second = run_queued(handles, runtime, call, lease=30)

    assert second.retry_in is None
    assert second.result is not None
    assert second.result.ok
    assert execution_row(runtime, call.execution_id).status == "succeeded"
    assert [attempt["status"] for attempt in attempts_of(runtime, call.execution_id)] == ["retrying", "succeeded"]


@pytest.mark.parametrize("succeed_on", [1, 2])
def test_untransacted_final_record_closes_attempt(runtime: Runtime, tmp_path: Path, succeed_on: int) -> None:
    # An operation without a transaction: on PostgreSQL its final record, the attempt's
    # close and the dropped lease (or the return to pending for a retry) are one statement.
    call = queue_call(runtime, ops.demo.flaky, {"counter": str(tmp_path / "count"), "succeed_on": succeed_on})
    statements: list[str] = []

    def seen(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(runtime.engine, "before_cursor_execute", seen)
    try:
        outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", seen)

    row = execution_row(runtime, call.execution_id)
    (attempt,) = attempts_of(runtime, call.execution_id)
    assert row.lease_expires_at is None
    assert attempt["finished_at"] is not None
    if succeed_on == 1:
        assert (row.status, row.output, attempt["status"]) == ("succeeded", {"attempts": 1}, "succeeded")
        assert outcome.retry_in is None
    else:
        assert (row.status, row.error_code, attempt["status"]) == ("pending", "unhandled_exception", "retrying")
        assert attempt["error_message"] == "ConnectionError: attempt 1 could not reach the provider"
        assert outcome.retry_in is not None
    if runtime.engine.dialect.name == "postgresql":
        # The claim runs on the driver's cursor; what goes through SQLAlchemy is the final write.
        assert len(statements) == 1, statements
        assert statements[0].startswith("WITH closed AS (UPDATE opsgen_execution_attempts")
        assert "UPDATE opsgen_executions SET" in statements[0]


def test_transacted_final_record_closes_attempt_with_it(runtime: Runtime) -> None:
    # In the operation's own transaction the final record and the attempt's close are
    # one statement too, after the operation's writes.
    call = queued(runtime, "one statement")
    statements: list[str] = []

    def seen(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(runtime.engine, "before_cursor_execute", seen)
    try:
        outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", seen)

    assert outcome.result is not None and outcome.result.ok
    row = execution_row(runtime, call.execution_id)
    (attempt,) = attempts_of(runtime, call.execution_id)
    assert (row.status, row.lease_expires_at, attempt["status"]) == ("succeeded", None, "succeeded")
    assert count_notes(runtime, "one statement") == 1
    if runtime.engine.dialect.name == "postgresql":
        touching_log = [statement for statement in statements if "opsgen_execution" in statement]
        assert len(touching_log) == 1, touching_log
        assert touching_log[0].startswith("WITH closed AS (UPDATE opsgen_execution_attempts")
