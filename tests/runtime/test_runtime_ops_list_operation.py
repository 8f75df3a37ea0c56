"""``opsgen ops list --operation NAME`` with a name that the execution log has never seen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

OPSGEN = str(Path(sys.executable).with_name("opsgen"))


def ops_list(runtime: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_")}
    environment["OPSGEN_DATABASE_URL"] = runtime.engine.url.render_as_string(hide_password=False)
    environment["COLUMNS"] = "200"
    # Outside any project, so that no generated package adds its operations to the suggestions.
    with tempfile.TemporaryDirectory() as folder:
        return subprocess.run(
            [OPSGEN, "ops", "list", *args], cwd=folder, env=environment, capture_output=True, text=True, timeout=60
        )


def test_misspelt_operation_suggests_closest(runtime: Runtime) -> None:
    assert ops.echo(Context(), value=1).ok

    for output_format in ("table", "json"):
        listed = ops_list(runtime, "--operation", "misc.ecoh", "--format", output_format)

        assert listed.returncode == 1, output_format
        assert listed.stdout == "", output_format
        assert listed.stderr == (
            "error: the execution log has no execution of operation 'misc.ecoh'; did you mean 'misc.echo'?\n"
        ), output_format


def test_unrelated_operation_lists_known(runtime: Runtime) -> None:
    assert ops.echo(Context(), value=1).ok
    ops.register(Context(actor="bob"), email="taken@example.com", password="pw-123456")

    listed = ops_list(runtime, "--operation", "billing.refund")

    assert listed.returncode == 1
    assert listed.stderr == (
        "error: the execution log has no execution of operation 'billing.refund'; "
        "it has executions of misc.echo, users.register\n"
    )


def test_empty_log_reports_no_executions(runtime: Runtime) -> None:
    runtime.ensure_schema()

    listed = ops_list(runtime, "--operation", "misc.echo")

    assert listed.returncode == 1
    assert listed.stderr == (
        "error: the execution log has no execution of operation 'misc.echo', and no execution of any operation\n"
    )


def test_known_operation_filtered_out_is_empty(runtime: Runtime) -> None:
    assert ops.echo(Context(), value=1).ok

    listed = ops_list(runtime, "--operation", "misc.echo", "--status", "failed", "--format", "json")

    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    assert listed.stderr == ""
