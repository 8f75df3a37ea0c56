"""A Celery task message that cannot be read as a call, on a real worker with Redis and PostgreSQL.

``enqueue`` validates the input, so such a message comes from elsewhere: a hand-made
task or a damaged one. The worker must drop it without running anything and fail the
pending execution it names, instead of leaving that execution pending forever.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from integration_ops import ops
from integration_support import wait_for

from opsgen.integrations.background import enqueue
from opsgen.integrations.celery import TASK_NAME
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import get_runtime

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]


def finished_row(execution_id: str) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        row = get_runtime().store.find_execution(execution_id)
        return row if row is not None and row["status"] != "pending" else None

    return wait_for(finished, 30, f"execution {execution_id} to leave pending")


@pytest.mark.parametrize("value", [["never", "run"], "never run", None], ids=["list", "str", "none"])
def test_malformed_task_fails_pending(start_worker: Callable[..., Any], celery_app: Any, value: Any) -> None:
    execution_id = enqueue(ops.demo.record_note, Context(actor="mo"), {"text": "held back"}, lambda call: None)
    start_worker()
    message = {"operation": "demo.record_note", "execution_id": execution_id, "input": value, "context": {"actor": "mo"}}

    celery_app.app.send_task(TASK_NAME, kwargs={"message": message}, queue="notes", task_id=execution_id)

    row = finished_row(execution_id)
    assert row["status"] == "failed"
    assert row["error_code"] == "malformed_message"
    assert row["error_message"] == "the task message cannot be run: message field 'input' is missing or not a dict"
    assert row["started_at"] is None
