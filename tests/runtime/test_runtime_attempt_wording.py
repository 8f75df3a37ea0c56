"""Log records and outbox notes about attempts take the singular for one: ``after 1 attempt``."""

from __future__ import annotations

import logging

import pytest
from pydantic import BaseModel
from test_runtime_outbox_retry import failed_effect

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.outbox import drain
from opsgen.runtime.outbox_admin import find_effects, requeue
from opsgen.runtime.runtime import Runtime


class NoInput(BaseModel):
    pass


class NoOutput(BaseModel):
    pass


PING = OperationDeclaration(
    name="wording.ping", version=1, description="Register a callback that fails.", input_model=NoInput,
    output_model=NoOutput,
)


def fail_callback() -> None:
    raise ConnectionError("receiver down")


class Ping(Operation[NoInput, NoOutput]):
    declaration = PING

    def run(self, ctx: ExecutionContext) -> NoOutput:  # type: ignore[override]
        ctx.after_commit(fail_callback)
        return NoOutput()


ping = OperationHandle(PING, Ping)


def test_callback_failure_singular_attempt(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="opsgen.runtime.effects")

    result = ping(Context())

    assert result.ok
    (record,) = [r for r in caplog.records if r.name == "opsgen.runtime.effects" and r.levelno == logging.ERROR]
    assert "failed after 1 attempt; the commit is kept" in record.getMessage()
    assert "1 attempts" not in record.getMessage()


def test_requeue_note_singular_attempt(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    effect_id, _ = failed_effect(runtime, "once")
    rows, _ = find_effects(runtime, [effect_id])
    # A budget of one attempt, used up by the next drain, leaves a row that failed after exactly one attempt.
    requeue(runtime, rows, by="alice", max_attempts=1)
    drain(runtime, wait=5.0)
    caplog.set_level(logging.INFO, logger="opsgen.runtime.outbox_admin")

    rows, _ = find_effects(runtime, [effect_id])
    assert rows[0]["attempts"] == 1
    report = requeue(runtime, rows, by="alice")

    (requeued,) = report.requeued
    assert " after 1 attempt; last error: ConnectionError: receiver down" in requeued["last_error"]
    messages = [r.getMessage() for r in caplog.records if r.name == "opsgen.runtime.outbox_admin"]
    assert any(message.endswith("by alice after 1 attempt") for message in messages), messages
