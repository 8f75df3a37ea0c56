"""Audit changes of a call tree whose child a Celery worker ran, on Redis and PostgreSQL.

The parent writes a note in its transaction and queues ``demo.record_note``, which a
real worker runs after the parent's commit, in a transaction of its own. The audit
trail records each change under the execution that opened its transaction, so the
changes of the tree are those of every execution in it.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from integration_ops import app_metadata
from integration_support import HERE, wait_for

from opsgen.audit import changes_for_execution, changes_for_executions, history, install
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime, reset_runtime
from opsgen.runtime.schema import executions

pytestmark = [pytest.mark.celery, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def audited_app(celery_settings: dict[str, str]) -> Iterator[ModuleType]:
    """The audited app module, imported afresh, with its tables and the triggers of ``integration_notes``."""
    sys.modules.pop("integration_celery_app_audited", None)
    module = importlib.import_module("integration_celery_app_audited")
    runtime: Runtime = module.runtime
    runtime.ensure_schema()
    app_metadata.create_all(runtime.engine)
    install(runtime, module.AUDIT_CONFIG, install_triggers=True)
    yield module
    reset_runtime()
    sys.modules.pop("integration_celery_app_audited", None)


@pytest.fixture(scope="module")
def audited_worker(audited_app: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One worker process group of the audited app; returns its output file."""
    output = tmp_path_factory.mktemp("audited-worker") / "worker.out"
    command = [
        sys.executable, "-m", "celery", "-A", "integration_celery_app_audited", "worker",
        "--pool", "solo", "--concurrency", "1", "--queues", "notes,default",
        "--hostname", f"opsgen-test-{uuid.uuid4().hex[:8]}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    with output.open("wb") as handle:
        process = subprocess.Popen(command, cwd=HERE, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    yield output
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def run_tree(audited_app: ModuleType, audited_worker: Path) -> tuple[str, str, str]:
    """Run the parent, wait for its queued child; return the parent's id, the child's id and the child's note."""
    queued_text = f"queued-{uuid.uuid4().hex[:8]}"
    result = audited_app.note_and_queue(Context(actor="ria"), text=f"parent-{queued_text}", queued_text=queued_text)
    assert result.ok, result
    child_id = result.value.queued
    engine = audited_app.runtime.engine

    def child_status() -> str | None:
        with engine.connect() as connection:
            status: str | None = connection.execute(
                sa.select(executions.c.status).where(executions.c.id == child_id)
            ).scalar()
        return status if status in ("succeeded", "failed") else None

    status = wait_for(child_status, 60, f"the queued child {child_id}; worker output:\n{audited_worker.read_text()}")
    assert status == "succeeded"
    return str(result.execution_id), child_id, queued_text


def test_tree_changes_include_queued_child(audited_app: ModuleType, audited_worker: Path) -> None:
    parent_id, child_id, _ = run_tree(audited_app, audited_worker)

    with audited_app.runtime.engine.connect() as connection:
        tree = changes_for_executions(connection, [parent_id, child_id])
        parent_only = changes_for_execution(connection, parent_id)
        child_only = changes_for_execution(connection, child_id)

    assert [(change.execution_id, change.action) for change in tree] == [(parent_id, "insert"), (child_id, "insert")]
    assert [change.operation for change in tree] == ["audit.note_and_queue", "demo.record_note"]
    assert [change.execution_id for change in parent_only] == [parent_id]
    assert [change.execution_id for change in child_only] == [child_id]


def test_child_change_history_names_child(audited_app: ModuleType, audited_worker: Path) -> None:
    _, child_id, queued_text = run_tree(audited_app, audited_worker)

    with audited_app.runtime.engine.connect() as connection:
        [change] = changes_for_execution(connection, child_id)
        versions = history(connection, "note", change.entity_id)

    assert change.changes["text"] == queued_text
    assert [version.execution_id for version in versions] == [child_id]
    assert versions[0].origin != "raw"


def test_changes_for_no_executions_is_empty(audited_app: ModuleType) -> None:
    with audited_app.runtime.engine.connect() as connection:
        assert changes_for_executions(connection, []) == []


def ops_show(audited_app: ModuleType, execution_id: str, *options: str) -> str:
    env = {**os.environ, "OPSGEN_DATABASE_URL": audited_app.runtime.engine.url.render_as_string(hide_password=False),
           "OPSGEN_APP": ""}
    completed = subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "ops", "show", execution_id, *options],
        env=env, cwd=HERE, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_ops_show_of_queued_child_lists_its_change(audited_app: ModuleType, audited_worker: Path) -> None:
    parent_id, child_id, queued_text = run_tree(audited_app, audited_worker)

    document = json.loads(ops_show(audited_app, child_id, "--format", "json"))
    changes = document["audit_changes"]

    assert sorted(change["execution_id"] for change in changes) == sorted([parent_id, child_id])
    own = [change for change in changes if change["own"]]
    others = [change for change in changes if not change["own"]]
    assert [change["execution_id"] for change in own] == [child_id]
    assert own[0]["changes"]["text"] == queued_text
    assert own[0]["queued"] is True
    assert [change["execution_id"] for change in others] == [parent_id]
    assert others[0]["queued"] is False


def test_ops_show_of_parent_labels_queued_child_change(audited_app: ModuleType, audited_worker: Path) -> None:
    parent_id, child_id, _ = run_tree(audited_app, audited_worker)

    text = ops_show(audited_app, parent_id)

    own_heading = "audit changes, in commit order:"
    tree_heading = "audit changes of other executions of the call tree, in commit order:"
    assert own_heading in text
    assert tree_heading in text
    own_part = text.split(own_heading, 1)[1].split(tree_heading, 1)[0]
    tree_part = text.split(tree_heading, 1)[1]
    assert own_part.count(" insert") == 1
    assert "by " not in own_part
    assert f"by demo.record_note {child_id[:8]} (queued)" in tree_part
