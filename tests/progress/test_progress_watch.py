"""Progress through the pipeline: seen live from other processes, and by ``opsgen ops watch``."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from opsgen.runtime.config import Settings
from opsgen.runtime.progress_view import format_eta, snapshot_from_row, watch_execution
from opsgen.runtime.runtime import Runtime

WORKER = str(Path(__file__).with_name("progress_operation_worker.py"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database with the execution log tables, on SQLite and on PostgreSQL."""
    url = str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url"))
    runtime = Runtime(Settings(root=Path.cwd(), database_url=url))
    runtime.ensure_schema()
    runtime.dispose()
    yield url


def start_rebuild(database_url: str, steps: int, pause: float, transaction: bool = False) -> tuple[subprocess.Popen[str], str]:
    worker = subprocess.Popen(
        [sys.executable, WORKER, database_url, str(steps), str(pause), "1" if transaction else "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    execution_id = worker.stdout.readline().strip()
    assert execution_id, worker.stderr.read() if worker.stderr else "no execution id"
    return worker, execution_id


@pytest.mark.slow
@pytest.mark.parametrize("transaction", [False, True])
def test_progress_visible_while_running(database_url: str, transaction: bool) -> None:
    worker, execution_id = start_rebuild(database_url, steps=30, pause=0.1, transaction=transaction)
    runtime = Runtime(Settings(root=Path.cwd(), database_url=database_url), migrate=False)

    seen: list[int] = []
    while worker.poll() is None:
        row = runtime.store.find_execution(execution_id)
        if row is not None and row["status"] == "running" and row["progress_done"] is not None:
            seen.append(row["progress_done"])
        time.sleep(0.1)
    _, stderr = worker.communicate()
    final = runtime.store.find_execution(execution_id)
    runtime.dispose()

    assert worker.returncode == 0, stderr
    assert final is not None
    assert final["status"] == "succeeded"
    assert final["progress_done"] == 30
    assert final["progress_message"] == "report 30"
    assert len({done for done in seen if 0 < done < 30}) >= 2


@pytest.mark.slow
def test_ops_watch_follows_to_the_end(sqlite_url: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    runtime.ensure_schema()
    runtime.dispose()
    worker, execution_id = start_rebuild(sqlite_url, steps=20, pause=0.1)

    watch = subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "ops", "watch", execution_id[:8],
         "--database-url", sqlite_url, "--interval", "0.1"],
        capture_output=True, text=True, timeout=60,
    )
    worker.communicate(timeout=30)

    assert watch.returncode == 0, watch.stderr
    assert "20/20" in watch.stdout
    assert f"execution {execution_id} succeeded" in watch.stdout


@pytest.mark.slow
def test_ops_list_running_shows_live_execution(sqlite_url: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    runtime.ensure_schema()
    runtime.dispose()
    # Long enough to outlast the command's start-up on a loaded machine; stopped below.
    worker, execution_id = start_rebuild(sqlite_url, steps=600, pause=0.1)

    try:
        listing = subprocess.run(
            [sys.executable, "-m", "opsgen.cli.main", "ops", "list", "--running", "--format", "json",
             "--database-url", sqlite_url],
            capture_output=True, text=True, timeout=60,
        )
    finally:
        worker.kill()
        worker.communicate(timeout=30)

    assert listing.returncode == 0, listing.stderr
    assert execution_id in listing.stdout


def row(status: str, done: int | None, total: int | None, seconds: float) -> dict[str, Any]:
    started = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return {
        "id": "exec-1", "operation": "reports.rebuild", "status": status, "started_at": started,
        "created_at": started, "progress_total": total, "progress_done": done, "progress_message": "batch",
        "progress_updated_at": started + timedelta(seconds=seconds), "error_code": None, "error_message": None,
    }


def test_watch_execution_reports_rate() -> None:
    rows = iter([row("running", 10, 100, 1.0), row("running", 30, 100, 2.0), row("succeeded", 100, 100, 4.0)])
    output = io.StringIO()

    final = watch_execution(lambda: next(rows), console=Console(file=output, width=150), interval=0)

    assert final is not None
    assert final["status"] == "succeeded"
    text = output.getvalue()
    assert "100/100" in text
    assert "items/s" in text
    assert "execution exec-1 succeeded" in text


def test_watch_finished_run_average_rate() -> None:
    # A pipe gets only the last state of the bar; one poll gives no rate to smooth.
    finished = {**row("succeeded", 200, 200, 4.0), "finished_at": datetime(2026, 1, 1, 0, 0, 4, tzinfo=timezone.utc)}
    output = io.StringIO()

    watch_execution(lambda: finished, console=Console(file=output, width=150), interval=0)

    text = output.getvalue()
    assert "50.0 items/s" in text
    assert "--" not in text


def test_watch_execution_missing_returns_none() -> None:
    assert watch_execution(lambda: None, console=Console(file=io.StringIO()), interval=0) is None


def test_snapshot_from_row_without_progress() -> None:
    assert snapshot_from_row(row("running", None, None, 0.0)) is None
    snapshot = snapshot_from_row(row("running", 5, 10, 2.0), rate=2.5)
    assert snapshot is not None
    assert snapshot.eta == pytest.approx(2.0)
    assert format_eta(3725) == "ETA 1:02:05"


def test_watch_finished_without_progress_draws_no_bar() -> None:
    failed = {**row("failed", None, None, 0.0), "error_code": "lock_timeout", "error_message": "held"}
    output = io.StringIO()

    final = watch_execution(lambda: failed, console=Console(file=output, width=150), interval=0)

    assert final is failed
    assert output.getvalue() == "execution exec-1 failed: lock_timeout: held\n"
