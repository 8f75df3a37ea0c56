"""Durable effects: outbox rows, retries with backoff, delivery after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.outbox import drain
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import effects
from opsgen.runtime.store import utcnow

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OPSGEN = str(Path(sys.executable).with_name("opsgen"))


def fail_delivery(call: EffectCall) -> None:
    """Stand in for a receiver that is down."""
    raise ConnectionError("receiver down")


def outbox_rows(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(effects).where(effects.c.durable))]


def test_durable_effect_retries_with_backoff(runtime: Runtime) -> None:
    attempts: list[int] = []

    def flaky(call: EffectCall) -> None:
        attempts.append(call.attempt)
        if call.attempt < 3:
            raise ConnectionError("broker down")

    runtime.register_effect_handler("publish", flaky)

    result = ops.create_item(Context(), name="retry", durable_to="queue")

    assert result.ok
    (row,) = outbox_rows(runtime)
    assert row["status"] == "pending"
    assert row["attempts"] == 1
    assert row["next_attempt_at"] is not None
    assert drain(runtime).attempted == 1
    assert drain(runtime).attempted == 1
    assert attempts == [1, 2, 3]
    (row,) = outbox_rows(runtime)
    assert row["status"] == "delivered"
    assert row["attempts"] == 3
    assert drain(runtime).attempted == 0


def test_durable_effect_fails_after_max_attempts(runtime: Runtime) -> None:
    def broken(call: EffectCall) -> None:
        raise ConnectionError("broker down")

    runtime.register_effect_handler("publish", broken)
    assert ops.create_item(Context(), name="doomed", durable_to="queue").ok

    report = drain(runtime, wait=5.0)

    (row,) = outbox_rows(runtime)
    assert row["status"] == "failed"
    assert row["attempts"] == 3
    assert report.failed == 1
    assert "broker down" in row["last_error"]


def test_backoff_delays_next_attempt(runtime: Runtime) -> None:
    runtime.register_effect_handler("publish", fail_delivery)
    assert ops.create_item(Context(), name="later", durable_to="queue").ok
    with runtime.engine.begin() as connection:
        connection.execute(update(effects).values(backoff=30.0))
    # The in-process attempt scheduled its retry with the old backoff of 0 s. The failing
    # drain pass below schedules the next one with the new backoff of 30 s.
    drain(runtime)
    (row,) = outbox_rows(runtime)
    waited = row["next_attempt_at"].replace(tzinfo=None) - row["created_at"].replace(tzinfo=None)
    assert waited.total_seconds() >= 29
    assert drain(runtime).attempted == 0


def _run(args: list[str], env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_durable_effect_survives_kill(runtime: Runtime, tmp_path: Path) -> None:
    receiver = tmp_path / "received.txt"
    marker = tmp_path / "committed"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "OPSGEN_DATABASE_URL": str(runtime.engine.url.render_as_string(hide_password=False)),
        "RECEIVER_FILE": str(receiver),
    }

    held = subprocess.Popen(
        [sys.executable, str(HERE / "runtime_commit_and_hold.py"), "survivor"],
        env={**env, "OPSGEN_TEST_HOLD_AFTER_COMMIT": str(marker)},
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert held.poll() is None, "the operation process exited before its commit"
            assert time.monotonic() < deadline, "the operation process never committed"
            time.sleep(0.05)
        os.kill(held.pid, signal.SIGKILL)
        held.wait(10)
    finally:
        if held.poll() is None:
            held.kill()

    assert held.returncode == -signal.SIGKILL
    assert not receiver.exists()
    (row,) = outbox_rows(runtime)
    assert row["status"] == "pending"
    assert row["attempts"] == 0

    drained = _run([OPSGEN, "outbox", "drain", "--app", "runtime_outbox_app:build"], env)
    assert drained.returncode == 0, drained.stderr
    assert "delivered 1" in drained.stdout
    again = _run([OPSGEN, "outbox", "drain", "--app", "runtime_outbox_app:build"], env)
    assert again.returncode == 0, again.stderr
    assert "delivered 0" in again.stdout

    lines = receiver.read_text(encoding="utf-8").splitlines()
    assert lines == [f"{row['idempotency_key']} survivor"]
    (row,) = outbox_rows(runtime)
    assert row["status"] == "delivered"


def test_drain_reports_missing_handler(runtime: Runtime, tmp_path: Path) -> None:
    runtime.register_effect_handler("publish", fail_delivery)
    assert ops.create_item(Context(), name="orphan", durable_to="queue").ok
    env = {**os.environ, "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False)}
    env.pop("OPSGEN_APP", None)

    # Run outside the repository, whose pyproject.toml names an app with handlers.
    drained = _run([OPSGEN, "outbox", "drain"], env, cwd=tmp_path)

    assert drained.returncode == 1
    assert "no handler for effect 'publish_item'" in drained.stderr


def test_drain_waits_for_retries(runtime: Runtime, tmp_path: Path) -> None:
    runtime.register_effect_handler("publish", fail_delivery)
    assert ops.create_item(Context(), name="eventually", durable_to="queue").ok
    receiver = tmp_path / "received.txt"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
        "RECEIVER_FILE": str(receiver),
        # The in-process attempt failed once; the receiver fails once more, then accepts.
        "FAIL_FIRST": "1",
    }

    drained = _run([OPSGEN, "outbox", "drain", "--app", "runtime_outbox_app:build", "--wait", "10"], env)

    assert drained.returncode == 1, "the failed attempt is reported"
    assert "delivered 1" in drained.stdout
    assert len(receiver.read_text(encoding="utf-8").splitlines()) == 1


def test_dispatcher_delivers_then_stops(runtime: Runtime, tmp_path: Path) -> None:
    runtime.register_effect_handler("publish", fail_delivery)
    assert ops.create_item(Context(), name="dispatched", durable_to="queue").ok
    receiver = tmp_path / "received.txt"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
        "RECEIVER_FILE": str(receiver),
    }

    dispatcher = subprocess.Popen(
        [OPSGEN, "outbox", "dispatch", "--app", "runtime_outbox_app:build", "--poll", "0.2"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not receiver.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        dispatcher.send_signal(signal.SIGTERM)
        _, stderr = dispatcher.communicate(timeout=30)

    assert dispatcher.returncode == 0, stderr
    assert "outbox dispatcher stopped" in stderr
    assert len(receiver.read_text(encoding="utf-8").splitlines()) == 1
    (row,) = outbox_rows(runtime)
    assert row["status"] == "delivered"


def test_drain_skips_unhandled_rows_once(runtime: Runtime) -> None:
    runtime.register_effect_handler("publish", fail_delivery)
    assert ops.create_item(Context(), name="unhandled", durable_to="queue").ok
    bare = Runtime(runtime.settings, engine=runtime.engine)

    started = time.monotonic()
    report = drain(bare, wait=5.0)

    assert time.monotonic() - started < 4.0
    assert len(report.errors) == 1
    assert "no handler for effect 'publish_item'" in report.errors[0]


def test_drain_counts_not_due_as_waiting(runtime: Runtime) -> None:
    runtime.register_effect_handler("publish", fail_delivery)
    assert ops.create_item(Context(), name="not yet", durable_to="queue").ok
    with runtime.engine.begin() as connection:
        connection.execute(update(effects).values(next_attempt_at=utcnow() + timedelta(minutes=5)))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
        "RECEIVER_FILE": "/dev/null",
    }

    report = drain(runtime)
    drained = _run([OPSGEN, "outbox", "drain", "--app", "runtime_outbox_app:build"], env)

    assert report.attempted == 0
    assert report.waiting == 1
    assert "delivered 0, waiting for retry 1, failed 0" in drained.stdout
    assert drained.returncode == 1, drained.stderr
