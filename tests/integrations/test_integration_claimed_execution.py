"""A worker's claimed call in the pipeline, on a real PostgreSQL log.

The execution of a claimed call runs under the record the claim returned: its id,
parent and root. The pipeline builds no record and no execution id of its own for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration_ops import ops
from integration_postgres import postgres_runtime

from opsgen.integrations.background import Claimed, QueuedCall, claim, enqueue
from opsgen.runtime import execution as execution_module
from opsgen.runtime.context import Context
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.pipeline import execute, new_execution
from opsgen.runtime.runtime import Runtime


@pytest.fixture
def runtime(postgres_url: str) -> Iterator[Runtime]:
    with postgres_runtime(postgres_url) as made:
        yield made


def claimed_call(runtime: Runtime, tmp_path: Path) -> tuple[QueuedCall, Claimed]:
    sent: list[QueuedCall] = []
    inputs = {"counter": str(tmp_path / "count"), "succeed_on": 1}
    enqueue(ops.demo.flaky.bind(runtime), Context(actor="kim"), inputs, sent.append)
    claimed = claim(runtime, sent[0].execution_id, lease=30)
    assert isinstance(claimed, Claimed)
    return sent[0], claimed


def test_claimed_execution_takes_record_ids(runtime: Runtime, tmp_path: Path) -> None:
    call, claimed = claimed_call(runtime, tmp_path)

    execution = new_execution(runtime, ops.demo.flaky.bind(runtime), Context(actor="kim"), claimed.record)

    assert isinstance(execution, ExecutionContext)
    assert execution.execution_id == call.execution_id
    assert execution.lineage == (call.execution_id,)
    assert execution.record is claimed.record
    assert claimed.record.claimed


def test_claimed_call_makes_no_execution_id(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    call, claimed = claimed_call(runtime, tmp_path)

    def no_new_id() -> uuid.UUID:
        raise AssertionError("the pipeline made an execution id for a claimed call")

    monkeypatch.setattr(execution_module.uuid, "uuid4", no_new_id)
    result = execute(ops.demo.flaky.bind(runtime), Context(actor="kim"), call.input, record=claimed.record)
    monkeypatch.undo()

    assert result.ok
    assert result.execution_id == call.execution_id
