"""``opsgen ops list --status`` accepts the execution statuses and rejects anything else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import ExecutionStatus

OPSGEN = str(Path(sys.executable).with_name("opsgen"))


def ops_list(runtime: Runtime, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False)}
    return subprocess.run([OPSGEN, "ops", "list", *args], env=env, capture_output=True, text=True, timeout=60)


def test_unknown_status_exits_2_with_choices(runtime: Runtime) -> None:
    listed = ops_list(runtime, "--status", "bogus")

    assert listed.returncode == 2
    assert listed.stdout == ""
    assert "invalid choice: 'bogus'" in listed.stderr
    for status in ExecutionStatus:
        assert f"'{status.value}'" in listed.stderr


def test_every_status_accepted(runtime: Runtime) -> None:
    arguments = [argument for status in ExecutionStatus for argument in ("--status", status.value)]

    listed = ops_list(runtime, *arguments, "--format", "json")

    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []


def test_no_match_is_said_in_words(runtime: Runtime) -> None:
    filtered = ops_list(runtime, "--status", "pending")
    unfiltered = ops_list(runtime)

    assert filtered.returncode == 0, filtered.stderr
    assert filtered.stdout == "no executions match these filters\n"
    assert unfiltered.stdout == "no executions in the log yet\n"
