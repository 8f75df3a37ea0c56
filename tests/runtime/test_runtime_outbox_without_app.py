"""``opsgen outbox`` run without an application reports that, instead of asking to register handlers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.runtime import Runtime

OPSGEN = str(Path(sys.executable).with_name("opsgen"))

LOAD_APP_HINT = (
    'load the application with --app module:object, app = "module:object" in [tool.opsgen] '
    "or OPSGEN_APP=module:object"
)


def leave_pending_effect(runtime: Runtime) -> None:
    """Commit a durable effect whose first attempt fails, so it waits in the outbox, due at once."""

    def receiver_down(call: EffectCall) -> None:
        raise ConnectionError("receiver down")

    runtime.register_effect_handler("publish", receiver_down)
    assert ops.create_item(Context(), name="waiting", durable_to="queue").ok


def run_outbox(runtime: Runtime, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``opsgen outbox ARGS`` in ``folder``, which has no pyproject.toml, on the runtime's database."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_")}
    environment["OPSGEN_DATABASE_URL"] = runtime.engine.url.render_as_string(hide_password=False)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [OPSGEN, "outbox", *args], env=environment, cwd=folder, capture_output=True, text=True, timeout=60
    )


def test_drain_without_app_reports_it(runtime: Runtime, tmp_path: Path) -> None:
    leave_pending_effect(runtime)

    drained = run_outbox(runtime, tmp_path, "drain")

    assert drained.returncode == 1
    assert drained.stdout.splitlines() == [
        "delivered 0, waiting for retry 0, failed 0, no handler 1 (no app loaded), claimed by another dispatcher 0",
        f"no app was loaded, so no effect handler is registered; {LOAD_APP_HINT}",
    ]
    assert (
        "no handler for effect 'publish_item' (kind 'publish') of operation 'shop.create_item': "
        f"no app was loaded, so no effect handler is registered; {LOAD_APP_HINT}"
    ) in drained.stderr
    assert "register_effect_handler" not in drained.stderr


def test_drain_with_app_asks_for_handler(runtime: Runtime, tmp_path: Path) -> None:
    leave_pending_effect(runtime)
    (tmp_path / "handlerless_app.py").write_text("from opsgen.runtime.runtime import Runtime\n\nruntime = Runtime()\n")

    drained = run_outbox(runtime, tmp_path, "drain", "--app", "handlerless_app:runtime")

    assert drained.returncode == 1
    assert drained.stdout.splitlines() == [
        "delivered 0, waiting for retry 0, failed 0, no handler 1, claimed by another dispatcher 0",
    ]
    assert "register_effect_handler('shop.create_item.publish_item', fn)" in drained.stderr
    assert "no app was loaded" not in drained.stderr


def test_drain_without_app_nothing_due(runtime: Runtime, tmp_path: Path) -> None:
    runtime.ensure_schema()

    drained = run_outbox(runtime, tmp_path, "drain")

    assert drained.returncode == 0, drained.stderr
    assert drained.stdout == "delivered 0, waiting for retry 0, failed 0, no handler 0, claimed by another dispatcher 0\n"


def test_dispatch_without_app_rejected(runtime: Runtime, tmp_path: Path) -> None:
    leave_pending_effect(runtime)

    dispatched = run_outbox(runtime, tmp_path, "dispatch", "--poll", "0.2")

    assert dispatched.returncode == 1
    assert dispatched.stderr == f"error: no app was loaded, so no effect handler is registered; {LOAD_APP_HINT}\n"
