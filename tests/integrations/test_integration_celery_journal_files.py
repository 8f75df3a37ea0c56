"""In-flight journal files of Celery prefork children, on real workers with the Redis broker.

Billiard ends a pool child with ``os._exit``, which skips the exit handlers that delete
a process's journal file. The integration must close the journals when a child shuts
down, so no file of an ended child stays in the journal folder: when the host name
changes between runs, as a container's does, no later process would delete it.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any, Callable

import pytest
from integration_support import wait_for

from opsgen.runtime.locks.abandoned import process_alive

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]


def run_direct_call(celery_app: Any, folder: Path, number: int) -> tuple[int, Path]:
    """Send a task that calls an operation in the worker, and return the pid of the child that ran it and its journal file."""
    report = folder / f"report-{number}"
    celery_app.app.send_task(
        "opsgen_tests.record_note_directly",
        kwargs={"text": f"journal note {number}", "report": str(report)},
        queue="notes",
    )
    wait_for(report.exists, 60, f"task {number} to report its journal file")
    pid, path = report.read_text().split(" ", 1)
    return int(pid), Path(path)


@pytest.fixture
def journal_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The root of the journal folders of the workers this test starts."""
    folder = tmp_path / "inflight"
    monkeypatch.setenv("OPSGEN_INFLIGHT_DIR", str(folder))
    return folder


def test_recycled_children_leave_no_journal_file(
    start_worker: Callable[..., Any], celery_app: Any, journal_folder: Path, tmp_path: Path
) -> None:
    start_worker(pool="prefork", options=("--max-tasks-per-child", "1"))

    ran = [run_direct_call(celery_app, tmp_path, number) for number in range(3)]
    pids = [pid for pid, _path in ran]
    wait_for(lambda: not any(process_alive(pid) for pid in pids), 30, "the pool children to exit after their one task")

    assert len(set(pids)) == 3
    for pid, path in ran:
        assert path.parent.parent == journal_folder
        assert not path.exists(), f"the journal file of ended child {pid} is left: {path}"
    assert sorted(journal_folder.rglob("*.inflight")) == []


def test_warm_shutdown_leaves_no_journal_file(
    start_worker: Callable[..., Any], celery_app: Any, journal_folder: Path, tmp_path: Path
) -> None:
    worker = start_worker(pool="prefork")
    pid, path = run_direct_call(celery_app, tmp_path, 0)
    assert path.exists()

    os.kill(worker.process.pid, signal.SIGTERM)  # the main process only: a warm shutdown
    worker.process.wait(timeout=60)

    assert worker.process.returncode == 0
    assert not process_alive(pid)
    assert not path.exists(), f"the journal file of child {pid} is left after a warm shutdown: {path}"
    assert sorted(journal_folder.rglob("*.inflight")) == []
