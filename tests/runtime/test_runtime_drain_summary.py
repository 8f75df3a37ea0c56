"""``opsgen outbox drain`` counts every row it looked at, also those without a handler."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.outbox import drain
from opsgen.runtime.runtime import Runtime

OPSGEN = str(Path(sys.executable).with_name("opsgen"))


def leave_due_row(runtime: Runtime) -> None:
    """Commit a durable effect whose first attempt fails, so it waits in the outbox, due at once."""

    def down(call: EffectCall) -> None:
        raise ConnectionError("receiver down")

    runtime.register_effect_handler("publish", down)
    assert ops.create_item(Context(), name="orphan", durable_to="queue").ok


def test_report_counts_row_without_handler(runtime: Runtime) -> None:
    leave_due_row(runtime)
    bare = Runtime(runtime.settings, engine=runtime.engine, migrate=False)

    report = drain(bare)

    assert report.unhandled == 1
    assert report.attempted == 0
    assert len(report.errors) == 1
    assert "no handler for effect 'publish_item'" in report.errors[0]


def test_drain_without_app_prints_no_handler(runtime: Runtime, tmp_path: Path) -> None:
    leave_due_row(runtime)
    env = {**os.environ, "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False)}

    drained = subprocess.run(
        [OPSGEN, "outbox", "drain"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )

    assert drained.returncode == 1
    assert drained.stdout.splitlines()[0] == (
        "delivered 0, waiting for retry 0, failed 0, no handler 1 (no app loaded), claimed by another dispatcher 0"
    )
    assert "no handler for effect 'publish_item'" in drained.stderr
