"""A message redelivered right after its worker was killed on the same host is taken over at once.

The dead worker's lease still runs for a minute, but its process is gone (or a
zombie its pool has not reaped yet), so waiting for the lease would only delay the call.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration_ops import app_metadata, ops

from opsgen.integrations.background import QueuedCall, attempts_of, enqueue, run_queued
from opsgen.integrations.operations import index_operations
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

HOLDER = str(Path(__file__).with_name("integration_claim_holder.py"))


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(request.param))


@pytest.fixture
def runtime(database_url: str) -> Iterator[Runtime]:
    created = Runtime(Settings(root=Path.cwd(), database_url=database_url))
    created.ensure_schema()
    app_metadata.create_all(created.engine)
    yield created
    created.dispose()


def _claimed_by_killed_worker(runtime: Runtime, database_url: str, *, reap: bool) -> tuple[QueuedCall, subprocess.Popen[str]]:
    sent: list[QueuedCall] = []
    enqueue(ops.demo.record_note.bind(runtime), Context(actor="lee"), {"text": "taken over"}, sent.append)
    [call] = sent
    holder = subprocess.Popen(
        [sys.executable, HOLDER, database_url, call.execution_id], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    line = holder.stdout.readline().strip()
    assert line == "claimed", line or (holder.stderr.read() if holder.stderr else "")
    os.kill(holder.pid, signal.SIGKILL)
    if reap:
        holder.wait(10)
    else:
        # Left unreaped, the child stays a zombie: it exists, but it has ended.
        deadline = time.monotonic() + 10
        while Path(f"/proc/{holder.pid}/stat").read_bytes().split(b") ")[-1][:1] != b"Z":
            assert time.monotonic() < deadline, "the killed holder did not become a zombie"
            time.sleep(0.01)
    return call, holder


@pytest.mark.parametrize("reap", [True, False], ids=["reaped", "zombie"])
def test_dead_local_worker_call_runs_now(runtime: Runtime, database_url: str, reap: bool) -> None:
    call, holder = _claimed_by_killed_worker(runtime, database_url, reap=reap)
    try:
        outcome = run_queued(index_operations(ops, runtime), runtime, call, lease=30)
    finally:
        holder.wait(10)

    assert outcome.note != "busy", f"waited {outcome.retry_in} s for the lease of a dead worker"
    assert outcome.result is not None and outcome.result.ok, outcome
    assert [attempt["status"] for attempt in attempts_of(runtime, call.execution_id)] == ["abandoned", "succeeded"]
