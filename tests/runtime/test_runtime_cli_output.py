"""``opsgen ops`` output outside a terminal: full-width tables and one timestamp format."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

OPSGEN = str(Path(sys.executable).with_name("opsgen"))

#: ISO 8601 in UTC with an explicit offset, as ``datetime.isoformat()`` writes it.
UTC_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")


def run_piped(runtime: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False)}
    env.pop("COLUMNS", None)
    return subprocess.run([OPSGEN, *args], env=env, capture_output=True, text=True, timeout=60)


def timestamps(value: Any, key: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [found for name, item in value.items() for found in timestamps(item, name)]
    if isinstance(value, list):
        return [found for item in value for found in timestamps(item, key)]
    return [(key, value)] if key.endswith("_at") and value is not None else []


def test_piped_table_keeps_full_width(runtime: Runtime) -> None:
    long_actor = "actor-" + "x" * 70
    result = ops.echo(Context(actor=long_actor), value=1)

    listed = run_piped(runtime, "ops", "list")
    shown = run_piped(runtime, "ops", "show", str(result.execution_id))

    assert listed.returncode == 0, listed.stderr
    assert long_actor in listed.stdout
    assert "…" not in listed.stdout
    assert long_actor in shown.stdout


def test_show_json_timestamps_share_one_format(runtime: Runtime) -> None:
    result = ops.echo(Context(actor="t"), value=1)

    shown = run_piped(runtime, "ops", "show", str(result.execution_id), "--format", "json")

    assert shown.returncode == 0, shown.stderr
    found = timestamps(json.loads(shown.stdout))
    assert found
    assert [(key, value) for key, value in found if not UTC_ISO.match(str(value))] == []
