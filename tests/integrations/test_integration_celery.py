"""Background execution on real Celery workers with a Redis broker and a PostgreSQL log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from integration_support import HERE, wait_for
from integration_ops import notes, ops
from sqlalchemy import func, select

from opsgen.integrations.background import QueuedCall, attempts_of, enqueue
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import get_runtime

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]


def execution(execution_id: str) -> dict[str, Any] | None:
    return get_runtime().store.find_execution(execution_id)


def wait_finished(execution_id: str, timeout: float = 30.0) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        row = execution(execution_id)
        return row if row is not None and row["status"] not in ("pending", "running") else None

    return wait_for(finished, timeout, f"execution {execution_id} to finish")


def settled_attempts(execution_id: str) -> list[dict[str, Any]]:
    """Return the attempt rows once the worker has closed the last one.

    The worker closes its attempt row right after the pipeline writes the final
    record, so a reader can see the record finished a moment before the attempt.
    """

    def settled() -> list[dict[str, Any]] | None:
        rows = attempts_of(get_runtime(), execution_id)
        return rows if rows and rows[-1]["status"] != "running" else None

    return wait_for(settled, 30, f"the attempts of execution {execution_id} to settle")


def count_notes(text: str) -> int:
    with get_runtime().engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(notes).where(notes.c.text == text)).scalar_one())


def test_worker_records_actor_and_logs_it(start_worker: Callable[..., Any], celery_settings: dict[str, str]) -> None:
    start_worker()
    context = Context(actor="alice", organization="acme", request_id="req-42")

    execution_id = ops.demo.record_note.enqueue(context, text="from the queue")

    assert isinstance(execution_id, str)
    row = wait_finished(execution_id)
    assert row["status"] == "succeeded"
    assert row["actor"] == "alice"
    assert row["organization"] == "acme"
    assert row["request_id"] == "req-42"
    assert row["output"]["note_id"] > 0
    assert count_notes("from the queue") == 1
    assert [attempt["status"] for attempt in settled_attempts(execution_id)] == ["succeeded"]
    log = Path(celery_settings["OPSGEN_TEST_WORKER_LOG"]).read_text()
    assert f"actor=alice request=req-42 execution={execution_id} recording note 'from the queue'" in log


def test_enqueue_records_pending_before_the_worker_runs() -> None:
    # No worker runs in this test, so the execution stays pending.
    execution_id = ops.demo.record_note.enqueue(Context(actor="carol"), text="never run")

    row = execution(execution_id)
    assert row is not None
    assert row["status"] == "pending"
    assert row["input"] == {"text": "never run", "hold": None}


def test_rollback_cancels_the_enqueue(start_worker: Callable[..., Any]) -> None:
    start_worker()

    result = ops.demo.plan_notes(Context(actor="bob"), texts=["rolled back 1", "rolled back 2"], fail_after=True)

    assert not result.ok
    children = [row for row in get_runtime().store.tree(str(result.execution_id)) if row["parent_id"] == result.execution_id]
    assert [row["status"] for row in children] == ["cancelled", "cancelled"]
    assert all(row["error_code"] == "cancelled" for row in children)
    time.sleep(1.5)
    assert count_notes("rolled back 1") == 0
    assert count_notes("rolled back 2") == 0


def test_nested_enqueue_shows_as_one_tree(start_worker: Callable[..., Any], celery_settings: dict[str, str]) -> None:
    start_worker()

    result = ops.demo.plan_notes(Context(actor="dana"), texts=["tree 1", "tree 2"])

    assert result.ok
    queued = result.value.queued
    for execution_id in queued:
        assert wait_finished(execution_id)["status"] == "succeeded"
        settled_attempts(execution_id)
    shown = subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "ops", "show", queued[1], "--format", "json",
         "--database-url", celery_settings["OPSGEN_DATABASE_URL"]],
        capture_output=True, text=True, timeout=60, check=True,
    )
    document = json.loads(shown.stdout)
    tree = {row["id"]: row for row in document["tree"]}
    assert set(tree) == {result.execution_id, *queued}
    assert tree[queued[0]]["parent_id"] == result.execution_id
    assert tree[queued[1]]["parent_id"] == result.execution_id
    assert tree[queued[1]]["actor"] == "dana"
    assert [(row["attempt"], row["status"]) for row in document["attempts"]] == [(1, "succeeded")]


def test_killed_worker_redelivers_and_completes_once(start_worker: Callable[..., Any], tmp_path: Path) -> None:
    hold = tmp_path / "hold"
    hold.write_text("")
    first = start_worker(pool="prefork")

    execution_id = ops.demo.record_note.enqueue(Context(actor="erin"), text="survives kill -9", hold=str(hold))
    wait_for(lambda: Path(f"{hold}.started").exists(), 30, "the task to start")
    first.kill()
    hold.unlink()
    assert execution(execution_id)["status"] == "running"  # type: ignore[index]

    start_worker(pool="prefork")
    row = wait_finished(execution_id, timeout=60)

    assert row["status"] == "succeeded"
    assert count_notes("survives kill -9") == 1
    attempts = settled_attempts(execution_id)
    assert [attempt["status"] for attempt in attempts] == ["abandoned", "succeeded"]
    assert attempts[0]["worker"] != attempts[1]["worker"]


def test_repeated_message_of_finished_execution_is_not_run(
    start_worker: Callable[..., Any], celery_app: Any, celery_settings: dict[str, str]
) -> None:
    start_worker()
    execution_id = ops.demo.record_note.enqueue(Context(actor="fay"), text="sent twice")
    wait_finished(execution_id)
    settled_attempts(execution_id)

    celery_app.integration.send(
        QueuedCall("demo.record_note", execution_id, {"text": "sent twice"}, {"actor": "fay"}, "notes")
    )

    log_path = Path(celery_settings["OPSGEN_TEST_WORKER_LOG"])
    wait_for(lambda: "has already ended (succeeded)" in log_path.read_text(), 30, "the repeated message")
    assert count_notes("sent twice") == 1
    assert len(attempts_of(get_runtime(), execution_id)) == 1


def test_retry_policy_records_every_attempt(
    start_worker: Callable[..., Any], tmp_path: Path, celery_settings: dict[str, str]
) -> None:
    start_worker()

    recovers = ops.demo.flaky.enqueue(Context(), counter=str(tmp_path / "recovers"), succeed_on=3)
    gives_up = ops.demo.flaky.enqueue(Context(), counter=str(tmp_path / "gives-up"), succeed_on=5)

    recovered = wait_finished(recovers)
    assert recovered["status"] == "succeeded"
    assert recovered["error_code"] is None, "the success must not keep the error of an earlier attempt"
    assert recovered["error_message"] is None
    assert recovered["traceback"] is None
    assert [a["status"] for a in settled_attempts(recovers)] == ["retrying", "retrying", "succeeded"]
    failed = wait_finished(gives_up)
    assert failed["status"] == "failed"
    assert failed["error_code"] == "unhandled_exception"
    statuses = [a["status"] for a in settled_attempts(gives_up)]
    assert statuses == ["retrying", "retrying", "failed"]
    assert (tmp_path / "gives-up").read_text() == "3"
    # Celery counts the task as succeeded; its log line carries the execution's outcome.
    log_path = Path(celery_settings["OPSGEN_TEST_WORKER_LOG"])
    wait_for(lambda: "'failed: unhandled_exception'" in log_path.read_text(), 30, "the task's log line")


def test_enqueue_rejects_invalid_input_at_once() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        ops.demo.record_note.enqueue(Context(actor="gus"), text=17)


def test_unknown_operation_fails_the_pending_record(start_worker: Callable[..., Any], celery_app: Any) -> None:
    execution_id = enqueue(ops.demo.record_note, Context(actor="hal"), {"text": "kept pending"}, lambda call: None)
    start_worker()

    celery_app.integration.send(QueuedCall("demo.no_such_operation", execution_id, {}, {}, "notes"))

    row = wait_finished(execution_id)
    assert row["status"] == "failed"
    assert row["error_code"] == "unknown_operation"
    assert "demo.no_such_operation" in row["error_message"]


def test_worker_runs_singleton_locks_and_progress(start_worker: Callable[..., Any]) -> None:
    start_worker()
    backend = get_runtime().get_lock_backend()

    held = backend.acquire_many(["singleton:tally"], timeout=0, lease=30, owner="test-holder")
    try:
        rejected = wait_finished(ops.demo.tally.enqueue(Context(), name="apples", items=5))
    finally:
        held.release()
    counted = wait_finished(ops.demo.tally.enqueue(Context(), name="apples", items=250))

    assert rejected["status"] == "rejected"
    assert rejected["error_code"] == "singleton_rejected"
    assert "test-holder" in rejected["error_message"]
    assert counted["status"] == "succeeded"
    assert counted["lock_keys"] == ["tally:apples"]
    assert counted["singleton_key"] == "singleton:tally"
    assert (counted["progress_total"], counted["progress_done"]) == (250, 250)


def test_outbox_sends_enqueue_after_crash(start_worker: Callable[..., Any], tmp_path: Path) -> None:
    from opsgen.runtime.outbox import drain
    from opsgen.runtime.schema import executions

    committed = tmp_path / "committed"
    script = (
        "from integration_celery_app import ops\n"
        "from opsgen.runtime.context import Context\n"
        "ops.demo.plan_notes(Context(actor='gil'), texts=['sent by the outbox'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(HERE), "OPSGEN_TEST_HOLD_AFTER_COMMIT": str(committed)}
    caller = subprocess.Popen([sys.executable, "-c", script], cwd=HERE, env=env)
    try:
        wait_for(committed.exists, 30, "the caller to commit")
    finally:
        caller.kill()
        caller.wait(timeout=10)

    query = select(executions.c.id, executions.c.status).where(
        executions.c.operation == "demo.record_note", executions.c.actor == "gil"
    )
    with get_runtime().engine.connect() as connection:
        rows = connection.execute(query).all()
    assert [row.status for row in rows] == ["pending"]
    start_worker()
    report = drain(get_runtime())

    assert report.delivered == 1
    assert wait_finished(rows[0].id)["status"] == "succeeded"
    assert count_notes("sent by the outbox") == 1
