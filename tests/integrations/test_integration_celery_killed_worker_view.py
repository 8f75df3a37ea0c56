"""``opsgen ops show`` and ``ops list`` on a call whose Celery worker was killed with SIGKILL.

The workers are real prefork workers on the Redis broker, with the execution log on
PostgreSQL. Once the first worker is killed mid-call, ``ops show`` must report the call
abandoned. Once a second worker has taken it over, ``ops list`` must show the execution
from its first start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import pytest
from integration_support import wait_for
from integration_ops import ops

from opsgen.integrations.background import ABANDONED_NOTE, attempts_of
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import get_runtime

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]


def opsgen_ops(settings: dict[str, str], folder: Path, *args: str) -> str:
    """Run ``opsgen ops ARGS`` on the test's execution log in a new process, in ``folder``, and return its output."""
    done = subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "ops", *args, "--database-url", settings["OPSGEN_DATABASE_URL"]],
        capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "300"}, cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def wait_succeeded(execution_id: str) -> None:
    def settled() -> bool:
        attempts = attempts_of(get_runtime(), execution_id)
        return bool(attempts) and attempts[-1]["status"] == "succeeded"

    wait_for(settled, 60, f"execution {execution_id} to succeed on a second worker")


def test_killed_worker_call_shows_abandoned_then_first_start(
    start_worker: Callable[..., Any], celery_settings: dict[str, str], tmp_path: Path
) -> None:
    hold = tmp_path / "hold"
    hold.write_text("")
    first = start_worker(pool="prefork")
    execution_id = ops.demo.record_note.enqueue(Context(actor="ines"), text="shown after kill -9", hold=str(hold))
    wait_for(lambda: Path(f"{hold}.started").exists(), 30, "the task to start")
    first.kill()
    hold.unlink()

    document = json.loads(opsgen_ops(celery_settings, tmp_path, "show", execution_id, "--format", "json"))

    assert document["execution"]["status"] == "abandoned"
    assert document["execution"]["error_code"] == "abandoned"

    start_worker(pool="prefork")
    wait_succeeded(execution_id)

    attempts = attempts_of(get_runtime(), execution_id)
    assert [attempt["status"] for attempt in attempts] == ["abandoned", "succeeded"]
    listed = json.loads(opsgen_ops(celery_settings, tmp_path, "list", "--operation", "demo.record_note", "--format", "json"))
    (row,) = [row for row in listed if row["id"] == execution_id]
    started = datetime.fromisoformat(row["started_at"])
    finished = datetime.fromisoformat(row["finished_at"])
    assert started == attempts[0]["started_at"]
    assert row["duration_ms"] == pytest.approx((finished - started).total_seconds() * 1000.0, abs=1.0)
    table = opsgen_ops(celery_settings, tmp_path, "show", execution_id)
    assert f"abandoned: {ABANDONED_NOTE}" in table
