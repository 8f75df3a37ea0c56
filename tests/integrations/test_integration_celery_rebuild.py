"""A Celery worker runs a queued call whose pending record is gone, on Redis and a PostgreSQL log.

The pending record is deleted after the enqueue, as a database crash after an enqueue
with ``durable_enqueue=False`` or a restore from an older backup would lose it. The
worker rebuilds the record from the message, runs the call once and records it; a
second delivery of the same message is not run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from integration_ops import ops
from integration_support import wait_for
from sqlalchemy import delete, select
from test_integration_celery import count_notes, settled_attempts, wait_finished

from opsgen.integrations.background import ENQUEUE_EFFECT, QueuedCall, attempts_of
from opsgen.integrations.celery import TASK_NAME
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import get_runtime
from opsgen.runtime.schema import effects, executions

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]

REBUILT_WARNING = "the pending record was missing from the execution log and was rebuilt from the message"

def delete_record(execution_id: str) -> None:
    with get_runtime().engine.begin() as connection:
        removed = connection.execute(delete(executions).where(executions.c.id == execution_id)).rowcount
    assert removed == 1


def sent_message(parent_id: str) -> QueuedCall:
    """Return the message the parent's durable enqueue effect sent, read from its outbox row."""
    query = select(effects.c.payload).where(effects.c.execution_id == parent_id, effects.c.name == ENQUEUE_EFFECT)
    with get_runtime().engine.connect() as connection:
        payloads = connection.execute(query).scalars().all()
    assert len(payloads) == 1
    return QueuedCall.from_dict(payloads[0])


def test_worker_rebuilds_deleted_pending_record(
    start_worker: Callable[..., Any], celery_app: Any, celery_settings: dict[str, str]
) -> None:
    # No worker runs yet, so the message waits in Redis while the record is deleted.
    planned = ops.demo.plan_notes(Context(actor="ivy", request_id="req-rebuilt"), texts=["rebuilt by the worker"])
    assert planned.ok
    execution_id = planned.value.queued[0]
    message = sent_message(str(planned.execution_id))
    assert message.execution_id == execution_id
    delete_record(execution_id)

    start_worker()
    row = wait_finished(execution_id)

    assert row["status"] == "succeeded"
    assert row["actor"] == "ivy"
    assert row["request_id"] == "req-rebuilt"
    assert row["parent_id"] == planned.execution_id
    assert row["root_id"] == planned.execution_id
    assert row["input"] == {"text": "rebuilt by the worker", "hold": None}
    assert row["output"]["note_id"] > 0
    assert count_notes("rebuilt by the worker") == 1
    assert [attempt["status"] for attempt in settled_attempts(execution_id)] == ["succeeded"]
    log_path = Path(celery_settings["OPSGEN_TEST_WORKER_LOG"])
    log = log_path.read_text()
    assert f"execution {execution_id} of demo.record_note: {REBUILT_WARNING}" in log

    celery_app.integration.send(message)

    repeat = f"execution {execution_id} of demo.record_note has already ended (succeeded)"
    wait_for(lambda: repeat in log_path.read_text(), 30, "the second delivery")
    assert count_notes("rebuilt by the worker") == 1
    assert len(attempts_of(get_runtime(), execution_id)) == 1
    assert log_path.read_text().count(REBUILT_WARNING) == 1


def test_worker_runs_old_message_without_record(
    start_worker: Callable[..., Any], celery_app: Any, celery_settings: dict[str, str]
) -> None:
    execution_id = "00000000-0000-4000-8000-0000000000c1"
    body = {
        "operation": "demo.record_note",
        "execution_id": execution_id,
        "input": {"text": "older sender, no record"},
        "context": {"actor": "otto", "organization": "acme", "request_id": "req-old"},
        "queue": "notes",
    }
    start_worker()

    celery_app.app.send_task(TASK_NAME, kwargs={"message": body}, queue="notes", task_id=execution_id)

    row = wait_finished(execution_id)
    assert row["status"] == "succeeded"
    assert row["actor"] == "otto"
    assert row["organization"] == "acme"
    assert row["request_id"] == "req-old"
    assert row["parent_id"] is None
    assert row["root_id"] == execution_id
    assert row["input"] == {"text": "older sender, no record", "hold": None}
    assert count_notes("older sender, no record") == 1
    assert [attempt["status"] for attempt in settled_attempts(execution_id)] == ["succeeded"]
    log = Path(celery_settings["OPSGEN_TEST_WORKER_LOG"]).read_text()
    assert f"execution {execution_id} of demo.record_note: {REBUILT_WARNING}" in log
    assert "recorded as its own root" in log
