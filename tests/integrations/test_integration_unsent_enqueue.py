"""An enqueue whose send raises: the caller gets the error, and the execution is cancelled, not left pending."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from integration_ops import app_metadata, ops

from opsgen.integrations.background import NotClaimed, QueuedCall, claim, enqueue
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def runtime(request: pytest.FixtureRequest) -> Iterator[Runtime]:
    made = Runtime(Settings(root=Path.cwd(), database_url=request.getfixturevalue(request.param)))
    made.ensure_schema()
    app_metadata.create_all(made.engine)
    yield made
    made.dispose()


def test_send_error_cancels_the_pending_execution(runtime: Runtime) -> None:
    attempted: list[QueuedCall] = []

    def broker_down(call: QueuedCall) -> None:
        attempted.append(call)
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(ConnectionRefusedError):
        enqueue(ops.demo.record_note.bind(runtime), Context(actor="lee"), {"text": "never sent"}, broker_down)

    [call] = attempted
    row = runtime.store.find_execution(call.execution_id)
    assert row is not None
    assert row["status"] == "cancelled"
    assert row["error_code"] == "not_sent"
    assert "ConnectionRefusedError" in row["error_message"]
    # A message that reached the broker after all is not run.
    outcome = claim(runtime, call.execution_id, lease=30)
    assert isinstance(outcome, NotClaimed)
    assert outcome.reason == "finished"
