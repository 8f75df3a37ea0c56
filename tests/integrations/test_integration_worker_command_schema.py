"""``opsgen worker`` on a database without the execution log tables, with a runtime that does not migrate."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from integration_support import HERE

pytestmark = pytest.mark.timeout(120)


def test_worker_command_without_migrate_stops(rabbitmq_url: str, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/empty.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
           "OPSGEN_DATABASE_URL": database_url, "OPSGEN_TEST_BROKER": rabbitmq_url,
           "OPSGEN_TEST_KEYPREFIX": f"opsgen-test-{uuid.uuid4().hex[:12]}:"}

    completed = subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "worker", "--broker", rabbitmq_url,
         "--queue", f"opsgen-test-schema-{uuid.uuid4().hex[:12]}", "--registry", "integration_ops:ops",
         "--app", "integration_celery_app_no_migrate:runtime", "--idle-timeout", "5"],
        env=env, cwd=HERE, capture_output=True, text=True, timeout=60,
    )

    assert completed.returncode == 1, completed.stderr
    assert "opsgen_executions is missing from the database" in completed.stderr
    assert database_url in completed.stderr
