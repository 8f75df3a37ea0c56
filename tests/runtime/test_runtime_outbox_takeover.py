"""Claims on outbox rows: an ended claimant's row is taken over at once; a live claimant's row is reported."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

import runtime_fixture_ops as ops
from runtime_delivery_crash import CRASH_STATUS
from opsgen.runtime.context import Context
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.locks.holders import process_identity
from opsgen.runtime.outbox import CLAIM_LEASE, drain
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import effects
from opsgen.runtime.store import HOST, utcnow

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OPSGEN = str(Path(sys.executable).with_name("opsgen"))

needs_proc = pytest.mark.skipif(process_identity() is None, reason="this system has no /proc to name processes by")


def environment(runtime: Runtime, receiver: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
        "RECEIVER_FILE": str(receiver),
        "COLUMNS": "250",
    }


def opsgen(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPSGEN, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)


def only_row(runtime: Runtime) -> dict[str, Any]:
    with runtime.engine.connect() as connection:
        (row,) = connection.execute(select(effects).where(effects.c.durable)).all()
    return dict(row._mapping)


def ended_process() -> str:
    """Return the identity of a process of this machine that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(30)
    machine = str(process_identity()).rsplit(":", 1)[0]
    return f"{machine}:{child.pid}"


def leave_due_row(runtime: Runtime) -> None:
    """Commit a durable effect whose first attempt fails, so it waits in the outbox, due at once."""

    def down(call: EffectCall) -> None:
        raise ConnectionError("receiver down")

    runtime.register_effect_handler("publish", down)
    assert ops.create_item(Context(), name="claimed", durable_to="queue").ok


def claim_row(runtime: Runtime, *, by: str, process: str | None, expires_in: float, attempts: int = 1) -> None:
    with runtime.engine.begin() as connection:
        connection.execute(
            update(effects).values(
                claimed_by=by,
                claimed_until=utcnow() + timedelta(seconds=expires_in),
                claimed_process=process,
                attempts=attempts,
            )
        )


def recording(calls: list[EffectCall]) -> Any:
    def handler(call: EffectCall) -> None:
        calls.append(call)

    return handler


@needs_proc
def test_drain_takes_over_crashed_delivery(runtime: Runtime, tmp_path: Path) -> None:
    receiver = tmp_path / "received.txt"
    env = environment(runtime, receiver)
    crashed = subprocess.Popen(
        [sys.executable, str(HERE / "runtime_delivery_crash.py"), "crashed"],
        env=env, cwd=REPO, stderr=subprocess.PIPE, text=True,
    )
    _, stderr = crashed.communicate(timeout=60)
    assert crashed.returncode == CRASH_STATUS, stderr

    row = only_row(runtime)
    assert row["status"] == "pending"
    assert row["attempts"] == 0
    assert row["claimed_by"].startswith(f"{HOST}:{crashed.pid}:")
    assert row["claimed_process"] == str(process_identity()).rsplit(":", 1)[0] + f":{crashed.pid}"
    listed = opsgen(env, "outbox", "list")
    assert "now (its claimant ended)" in listed.stdout, listed.stdout

    started = time.monotonic()
    drained = opsgen(env, "outbox", "drain", "--app", "runtime_outbox_app:build")
    elapsed = time.monotonic() - started

    assert drained.returncode == 0, drained.stdout + drained.stderr
    assert "delivered 1, waiting for retry 0, failed 0" in drained.stdout
    assert "claimed by another dispatcher 0" in drained.stdout
    assert elapsed < CLAIM_LEASE / 2
    row = only_row(runtime)
    assert row["status"] == "delivered"
    assert row["attempts"] == 2
    assert row["claimed_by"] is None
    assert row["last_error"].startswith("attempt 1 did not finish: the process of dispatcher")
    assert receiver.read_text(encoding="utf-8").splitlines() == [f"{row['idempotency_key']} crashed"]


@pytest.mark.parametrize(
    "claimant, process",
    [
        (f"{HOST}:{os.getpid()}:live0001", process_identity()),
        ("other-host:4242:remote01", "other-boot:4026531836:4242"),
        ("unknown-host:4343:unknown1", None),
    ],
    ids=["live-here", "other-machine", "no-identity"],
)
def test_drain_reports_held_claim(runtime: Runtime, claimant: str, process: str | None) -> None:
    leave_due_row(runtime)
    claim_row(runtime, by=claimant, process=process, expires_in=45)
    calls: list[EffectCall] = []
    runtime.register_effect_handler("publish", recording(calls))

    report = drain(runtime)

    assert calls == []
    assert report.attempted == 0
    assert report.claimed_elsewhere == 1
    (left,) = report.left_claimed
    assert left.claimed_by == claimant
    assert left.claimed_until is not None
    assert timedelta(seconds=30) < left.claimed_until - utcnow() < timedelta(seconds=46)
    row = only_row(runtime)
    assert row["attempts"] == 1
    assert row["claimed_by"] == claimant


def test_drain_command_exits_1_for_held_claim(runtime: Runtime, tmp_path: Path) -> None:
    leave_due_row(runtime)
    claim_row(runtime, by="other-host:4242:remote01", process=None, expires_in=45)
    env = environment(runtime, tmp_path / "received.txt")

    drained = opsgen(env, "outbox", "drain", "--app", "runtime_outbox_app:build")
    listed = opsgen(env, "outbox", "list")

    assert drained.returncode == 1, drained.stdout + drained.stderr
    assert "delivered 0, waiting for retry 0, failed 0, no handler 0, claimed by another dispatcher 1" in drained.stdout
    assert "error: 1 due effect not delivered: another dispatcher claimed it" in drained.stderr
    assert "publish_item (execution " in drained.stderr
    assert "claimed by other-host:4242:remote01 until " in drained.stderr
    assert "run `opsgen outbox drain` again after " in drained.stderr
    assert not (tmp_path / "received.txt").exists()
    assert "claimed until " in listed.stdout


@needs_proc
def test_drain_fails_row_whose_last_attempt_ended(runtime: Runtime) -> None:
    leave_due_row(runtime)
    claim_row(runtime, by=f"{HOST}:1:gone0001", process=ended_process(), expires_in=45, attempts=2)
    calls: list[EffectCall] = []
    runtime.register_effect_handler("publish", recording(calls))

    report = drain(runtime)

    assert calls == []
    assert report.failed == 1
    assert report.claimed_elsewhere == 0
    row = only_row(runtime)
    assert row["status"] == "failed"
    assert row["attempts"] == 3
    assert row["claimed_by"] is None
    assert row["last_error"].startswith("attempt 3 of 3 did not finish: the process of dispatcher")


def test_drain_counts_attempt_of_expired_claim(runtime: Runtime) -> None:
    leave_due_row(runtime)
    claim_row(runtime, by="other-host:4242:remote01", process=None, expires_in=-1)
    calls: list[EffectCall] = []
    runtime.register_effect_handler("publish", recording(calls))

    report = drain(runtime)

    assert report.delivered == 1
    assert [call.attempt for call in calls] == [3]
    row = only_row(runtime)
    assert row["status"] == "delivered"
    assert row["attempts"] == 3
    assert row["last_error"].startswith("attempt 2 did not finish: the claim of dispatcher other-host:4242:remote01 expired at ")
