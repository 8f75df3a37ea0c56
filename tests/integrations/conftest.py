"""Fixtures of the integration tests: the test operations on a real database, and Celery workers.

Workers are real ``celery worker`` processes on the Redis server of ``redis_url``,
started in their own session so a test can kill the whole process group, and always
stopped at teardown. Every key of a test run carries a prefix of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from integration_ops import app_metadata  # noqa: E402
from integration_support import HERE, WORKER_START_TIMEOUT, wait_for  # noqa: E402

from opsgen.runtime.runtime import Runtime, configure, reset_runtime  # noqa: E402



@pytest.fixture(scope="module")
def celery_settings(postgres_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment of this module's Celery app: broker, key prefix, execution log and worker log."""
    folder = tmp_path_factory.mktemp("celery")
    settings = {
        "OPSGEN_TEST_BROKER": redis_url,
        "OPSGEN_TEST_KEYPREFIX": f"opsgen-test-{uuid.uuid4().hex[:12]}:",
        "OPSGEN_DATABASE_URL": postgres_url,
        "OPSGEN_TEST_WORKER_LOG": str(folder / "worker.log"),
        "OPSGEN_TEST_VISIBILITY": "3",
        "OPSGEN_TEST_LEASE": "2",
    }
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        yield settings
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def celery_app(celery_settings: dict[str, str]) -> Iterator[Any]:
    """The test app module, imported afresh for this test module, with the default runtime on the shared database.

    A fresh import makes the app read this module's settings (its broker key prefix
    above all): an app left from an earlier module would send where this module's
    workers never look.
    """
    import importlib

    sys.modules.pop("integration_celery_app", None)
    module = importlib.import_module("integration_celery_app")
    runtime: Runtime = module.runtime
    configure(runtime)
    runtime.ensure_schema()
    app_metadata.create_all(runtime.engine)
    with runtime.engine.begin() as connection:
        connection.execute(text("DELETE FROM integration_notes"))
    yield module
    reset_runtime()
    runtime.dispose()
    sys.modules.pop("integration_celery_app", None)


class WorkerProcess:
    """One ``celery worker`` process group with its output file."""

    def __init__(self, env: dict[str, str], output: Path, pool: str, options: tuple[str, ...] = ()) -> None:
        self.output = output
        command = [
            sys.executable, "-m", "celery", "-A", "integration_celery_app", "worker",
            "--pool", pool, "--concurrency", "1", "--queues", "notes,default",
            "--hostname", f"opsgen-test-{uuid.uuid4().hex[:8]}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
            *options,
        ]
        self._file = output.open("ab")
        self.process = subprocess.Popen(
            command, cwd=HERE, env=env, stdout=self._file, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, log_path: Path) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with {self.process.returncode}:\n{self.output.read_text()}")
            return log_path.exists() and " ready." in log_path.read_text()

        wait_for(ready, WORKER_START_TIMEOUT, "the Celery worker to be ready")

    def kill(self) -> None:
        """Send SIGKILL to the worker and every child it started."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._file.close()


@pytest.fixture
def start_worker(celery_app: Any, celery_settings: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start Celery workers on demand; every one is stopped at teardown.

    ``options`` are further ``celery worker`` options, such as ``("--max-tasks-per-child", "1")``.
    """
    started: list[WorkerProcess] = []
    log_path = Path(celery_settings["OPSGEN_TEST_WORKER_LOG"])

    def start(pool: str = "solo", options: tuple[str, ...] = ()) -> WorkerProcess:
        if log_path.exists():
            log_path.write_text("")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.out", pool, options)
        started.append(worker)
        worker.wait_ready(log_path)
        return worker

    yield start
    for worker in started:
        worker.stop()
