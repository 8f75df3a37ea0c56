"""``opsgen ops watch`` on a queued call whose worker died: it follows the takeover to the end."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import execution_attempts, executions


def _abandoned(runtime: Runtime, execution_id: str, *, queued: bool) -> None:
    now = datetime.now(timezone.utc)
    with runtime.engine.begin() as connection:
        connection.execute(insert(executions).values(
            id=execution_id, operation="reports.rebuild", operation_version=1, status="abandoned",
            root_id=execution_id, input={}, created_at=now, started_at=now, host="elsewhere", pid=1,
            error_code="abandoned", error_message="the worker stopped renewing its lease",
        ))
        if queued:
            connection.execute(insert(execution_attempts).values(
                execution_id=execution_id, attempt=1, status="abandoned", worker="elsewhere:1", started_at=now,
            ))


def _watch(url: str, execution_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "opsgen.cli.main", "ops", "watch", execution_id, "--database-url", url,
         "--interval", "0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.slow
def test_watch_waits_for_the_worker_that_takes_over_an_abandoned_queued_call(sqlite_url: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    runtime.ensure_schema()
    execution_id = "6f1c0c4e-0000-4000-8000-00000000a001"
    _abandoned(runtime, execution_id, queued=True)

    watch = _watch(sqlite_url, execution_id)
    assert watch.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(watch.stdout or ()), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while not any("waiting for the broker to hand it to another worker" in line for line in lines):
        assert watch.poll() is None, f"the watch stopped at the abandoned row: {lines}"
        assert time.monotonic() < deadline, f"no takeover note within 60 s: {lines}"
        time.sleep(0.05)
    with runtime.engine.begin() as connection:
        connection.execute(update(executions).where(executions.c.id == execution_id).values(
            status="succeeded", error_code=None, error_message=None, finished_at=datetime.now(timezone.utc),
        ))
    watch.wait(timeout=60)
    reader.join(10)
    runtime.dispose()

    assert watch.returncode == 0, watch.stderr.read() if watch.stderr else ""
    assert any(f"execution {execution_id} succeeded" in line for line in lines), lines


@pytest.mark.slow
def test_watch_stops_at_an_abandoned_direct_call(sqlite_url: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    runtime.ensure_schema()
    execution_id = "6f1c0c4e-0000-4000-8000-00000000a002"
    _abandoned(runtime, execution_id, queued=False)
    runtime.dispose()

    watch = _watch(sqlite_url, execution_id)
    stdout, stderr = watch.communicate(timeout=60)

    assert watch.returncode == 1, stderr
    assert f"execution {execution_id} abandoned" in stdout
    assert "another worker" not in stdout
