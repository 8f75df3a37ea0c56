"""``opsgen ops list`` and ``opsgen ops show`` on a real execution log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

OPSGEN = str(Path(sys.executable).with_name("opsgen"))


def opsgen(runtime: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
           "COLUMNS": "200"}
    return subprocess.run([OPSGEN, *args], env=env, capture_output=True, text=True, timeout=60)


def test_ops_list_filters_and_formats(runtime: Runtime) -> None:
    ops.echo(Context(), value=1)
    failed = ops.register(Context(actor="bob"), email="taken@example.com", password="pw-123456")

    listed = opsgen(runtime, "ops", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [row["operation"] for row in rows] == ["users.register", "misc.echo"]

    only = json.loads(opsgen(runtime, "ops", "list", "--operation", "misc.echo", "--format", "json").stdout)
    assert [row["operation"] for row in only] == ["misc.echo"]
    failures = json.loads(opsgen(runtime, "ops", "list", "--status", "failed", "--format", "json").stdout)
    assert [row["id"] for row in failures] == [failed.execution_id]
    assert json.loads(opsgen(runtime, "ops", "list", "--running", "--format", "json").stdout) == []

    table = opsgen(runtime, "ops", "list")
    assert "email_taken" in table.stdout
    assert str(failed.execution_id)[:8] in table.stdout


def test_ops_show_tree_effects_and_error(runtime: Runtime) -> None:
    runtime.register_effect_handler("note", lambda call: None)
    level1, _, _ = ops.nested_handles("savepoint", "savepoint")
    result = level1(Context(actor="t"), level=1, fail_at=3, carry_on=True, notify=True)
    assert result.ok
    root = str(result.execution_id)

    shown = opsgen(runtime, "ops", "show", root[:8])
    assert shown.returncode == 0, shown.stderr
    for text in ("nest.level1", "nest.level2", "nest.level3", "forced", "delivered", "dropped"):
        assert text in shown.stdout, text

    document = json.loads(opsgen(runtime, "ops", "show", root, "--format", "json").stdout)
    assert document["execution"]["id"] == root
    assert [row["operation"] for row in document["tree"]] == ["nest.level1", "nest.level2", "nest.level3"]
    assert sorted(effect["status"] for effect in document["effects"]) == ["delivered", "delivered", "dropped"]
    assert all("payload" not in effect for effect in document["effects"])


def test_ops_show_unknown_id_fails(runtime: Runtime) -> None:
    shown = opsgen(runtime, "ops", "show", "does-not-exist")
    assert shown.returncode == 1
    assert "no execution with id 'does-not-exist'" in shown.stderr


def test_every_command_has_help() -> None:
    for args in (["ops", "list"], ["ops", "show"], ["outbox", "drain"], ["outbox", "dispatch"]):
        helped = subprocess.run([OPSGEN, *args, "--help"], capture_output=True, text=True, timeout=60)
        assert helped.returncode == 0
        assert "usage:" in helped.stdout
    drain_help = subprocess.run([OPSGEN, "outbox", "drain", "--help"], capture_output=True, text=True, timeout=60)
    assert "SECONDS" in drain_help.stdout
