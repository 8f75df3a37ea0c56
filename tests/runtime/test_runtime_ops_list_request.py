"""``opsgen ops list --request-id`` and ``--actor``: the calls of one web request, or of one actor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from runtime_fixture_ops import echo

from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

OPSGEN = str(Path(sys.executable).with_name("opsgen"))


def _listed(runtime: Runtime, *args: str) -> list[dict[str, object]]:
    env = {**os.environ, "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False)}
    done = subprocess.run([OPSGEN, "ops", "list", "--format", "json", *args], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_list_filters_by_request_id_and_actor(runtime: Runtime) -> None:
    handle = echo.bind(runtime)
    first = [handle(Context(actor="ann", request_id="req-1"), text=f"first {n}") for n in range(2)]
    other = handle(Context(actor="bob", request_id="req-2"), text="second")

    by_request = _listed(runtime, "--request-id", "req-1")
    by_actor = _listed(runtime, "--actor", "bob")

    assert sorted(str(row["id"]) for row in by_request) == sorted(str(result.execution_id) for result in first)
    assert [str(row["id"]) for row in by_actor] == [str(other.execution_id)]
