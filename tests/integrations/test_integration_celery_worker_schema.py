"""A Celery worker on a database without the execution log tables, on Redis.

The sender records on PostgreSQL; the worker's settings name a fresh SQLite file, as
when a worker starts from a folder without the project's settings. A worker whose
runtime migrates creates the tables and runs the call into its own database. One built
with ``migrate=False`` stops at start and names the database that lacks the tables.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from integration_ops import ops
from integration_support import HERE, WORKER_START_TIMEOUT, wait_for

from opsgen.runtime.context import Context
from opsgen.runtime.schema import executions

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]


def worker_command(app_module: str) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", app_module, "worker",
        "--pool", "solo", "--concurrency", "1", "--queues", "notes,default",
        "--hostname", f"opsgen-test-{uuid.uuid4().hex[:8]}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]


@pytest.fixture
def worker_database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/worker-own.db"


@pytest.fixture
def start_worker_on(celery_settings: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    """Start a Celery worker process group with ``OPSGEN_DATABASE_URL`` set to another database."""
    started: list[subprocess.Popen[bytes]] = []

    def start(app_module: str, database_url: str) -> tuple[subprocess.Popen[bytes], Path]:
        output = tmp_path / f"worker-{len(started)}.out"
        env = {**os.environ, "OPSGEN_DATABASE_URL": database_url,
               "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
        with output.open("wb") as handle:
            process = subprocess.Popen(worker_command(app_module), cwd=HERE, env=env, stdout=handle,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        started.append(process)
        return process, output

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_worker_creates_missing_log_tables(
    celery_app: Any, celery_settings: dict[str, str], start_worker_on: Any, worker_database: str, tmp_path: Path
) -> None:
    execution_id = ops.demo.flaky.enqueue(Context(actor="noa"), counter=str(tmp_path / "counter"), succeed_on=1)
    log_path = Path(celery_settings["OPSGEN_TEST_WORKER_LOG"])
    log_path.write_text("")

    start_worker_on("integration_celery_app", worker_database)

    engine = sa.create_engine(worker_database)

    def finished() -> str | None:
        if not sa.inspect(engine).has_table("opsgen_executions"):
            return None
        with engine.connect() as connection:
            status: str | None = connection.execute(
                sa.select(executions.c.status).where(executions.c.id == execution_id)
            ).scalar()
        return status if status in ("succeeded", "failed") else None

    try:
        status = wait_for(finished, 60, f"execution {execution_id} in the worker's own database")
    finally:
        engine.dispose()
    assert status == "succeeded"
    log = log_path.read_text()
    assert "no such table" not in log
    assert f"execution {execution_id} of demo.flaky: the pending record was missing" in log


def test_worker_without_migrate_stops_at_start(
    celery_app: Any, start_worker_on: Any, worker_database: str
) -> None:
    process, output = start_worker_on("integration_celery_app_no_migrate", worker_database)

    try:
        returncode = process.wait(timeout=WORKER_START_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker did not stop at start:\n{output.read_text()}")
    text = output.read_text()
    assert returncode == 2, text
    assert "opsgen_executions is missing from the database" in text
    assert worker_database in text
    assert "runtime.ensure_schema()" in text
