"""Drains that claim a page of outbox rows at once: commits per page, claim renewal, and crashes mid-page."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select, update

from runtime_delivery_crash import CRASH_STATUS
from opsgen.runtime import outbox
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.locks.holders import process_identity
from opsgen.runtime.outbox import PAGE_SIZE, as_utc, drain
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import effects
from opsgen.runtime.store import utcnow

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DRAIN_SCRIPT = str(HERE / "runtime_outbox_killed_drain.py")


def add_pending_rows(runtime: Runtime, count: int) -> list[str]:
    """Insert ``count`` due rows of kind ``publish`` with items ``row-0``, ``row-1``, ..., and return their keys in order."""
    created = utcnow() - timedelta(minutes=5)
    rows: list[dict[str, Any]] = []
    for number in range(count):
        item = f"row-{number}"
        rows.append({
            "id": str(uuid.uuid4()), "execution_id": str(uuid.uuid4()), "sequence": 0, "name": "publish_item",
            "kind": "publish", "durable": True, "status": "pending", "idempotency_key": uuid.uuid4().hex,
            "payload": {"item": item}, "payload_redacted": {"item": item}, "attempts": 0, "max_attempts": 3,
            "backoff": 0.0, "multiplier": 1.0, "max_delay": 0.0, "next_attempt_at": None,
            "created_at": created + timedelta(milliseconds=number),
        })
    with runtime.engine.begin() as connection:
        connection.execute(insert(effects), rows)
    return [row["idempotency_key"] for row in rows]


def rows_by_key(runtime: Runtime) -> dict[str, dict[str, Any]]:
    with runtime.engine.connect() as connection:
        return {row.idempotency_key: dict(row._mapping) for row in connection.execute(select(effects))}


def received_keys(receiver: Path) -> list[str]:
    if not receiver.exists():
        return []
    return [line.split()[0] for line in receiver.read_text(encoding="utf-8").splitlines()]


def drain_environment(runtime: Runtime, receiver: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
        "RECEIVER_FILE": str(receiver),
        **extra,
    }


def test_drain_commits_twice_per_page(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    # No write on a timer, so the count depends on the pages alone.
    monkeypatch.setattr(outbox, "OUTCOME_WRITE_INTERVAL", 3600.0)
    backlog = 250
    add_pending_rows(runtime, backlog)
    runtime.register_effect_handler("publish", lambda call: None)
    commits: list[object] = []

    def count_commit(connection: object) -> None:
        commits.append(connection)

    event.listen(runtime.engine, "commit", count_commit)
    try:
        report = drain(runtime)
    finally:
        event.remove(runtime.engine, "commit", count_commit)

    assert report.delivered == backlog
    pages = math.ceil(backlog / PAGE_SIZE)
    # One claim and one write of the outcomes per page.
    assert len(commits) <= 2 * pages
    states = rows_by_key(runtime).values()
    assert Counter(row["status"] for row in states) == Counter({"delivered": backlog})
    assert Counter(row["attempts"] for row in states) == Counter({1: backlog})
    assert all(row["claimed_by"] is None for row in states)


def test_drain_renews_claims_of_slow_page(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "CLAIM_LEASE", 1.0)
    monkeypatch.setattr(outbox, "OUTCOME_WRITE_INTERVAL", 0.2)
    keys = add_pending_rows(runtime, 8)
    expired: list[str] = []
    unclaimed: list[str] = []
    attempted: list[str] = []

    def slow(call: EffectCall) -> None:
        # Eight calls of 0.3 s outlast the lease of 1 s more than twice.
        time.sleep(0.3)
        attempted.append(call.idempotency_key)
        now = utcnow()
        for key, row in rows_by_key(runtime).items():
            if key in attempted:
                continue
            claimed_until = as_utc(row["claimed_until"])
            if row["claimed_by"] is None or claimed_until is None:
                unclaimed.append(key)
            elif claimed_until <= now:
                expired.append(key)

    runtime.register_effect_handler("publish", slow)

    report = drain(runtime)

    assert report.delivered == 8
    assert report.claimed_elsewhere == 0
    assert attempted == keys
    assert unclaimed == [], "rows of the page waiting for their attempt had no claim"
    assert expired == [], "claims of rows waiting for their attempt expired"
    assert {row["attempts"] for row in rows_by_key(runtime).values()} == {1}


def wait_for_lines(receiver: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(received_keys(receiver)) < count:
        assert process.poll() is None, f"the drain ended before {count} deliveries: {process.communicate()}"
        assert time.monotonic() < deadline, f"fewer than {count} deliveries in 60 s"
        time.sleep(0.01)


def test_drain_after_kill_mid_page(runtime: Runtime, tmp_path: Path) -> None:
    keys = add_pending_rows(runtime, PAGE_SIZE + 50)
    receiver = tmp_path / "received.txt"
    env = drain_environment(runtime, receiver, RECEIVE_DELAY="0.02", CLAIM_LEASE="6", UNKNOWN_PROCESS="1")
    killed = subprocess.Popen([sys.executable, DRAIN_SCRIPT], env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
    wait_for_lines(receiver, 20, killed)
    os.kill(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=30)

    first_received = set(received_keys(receiver))
    rows = rows_by_key(runtime)
    settled = {key for key, row in rows.items() if row["status"] == "delivered"}
    held = {key for key, row in rows.items() if row["status"] == "pending" and row["claimed_by"] is not None}
    assert settled <= first_received
    assert len(held) > 1, "the killed drain held only the row it was attempting, not its page"
    assert first_received - settled <= held, "a delivery whose outcome was not written lost its claim"
    never_claimed = set(keys) - settled - held

    calls: list[EffectCall] = []
    runtime.register_effect_handler("publish", calls.append)
    early = drain(runtime)

    assert {call.idempotency_key for call in calls} == never_claimed
    assert early.claimed_elsewhere == len(held)
    assert {claim.effect_id for claim in early.left_claimed} == {rows[key]["id"] for key in held}

    expiry = max(as_utc(rows[key]["claimed_until"]) for key in held)
    time.sleep(max(0.0, (expiry - utcnow()).total_seconds()) + 0.2)
    calls.clear()
    late = drain(runtime)

    assert Counter(call.idempotency_key for call in calls) == Counter(held)
    assert late.delivered == len(held)
    assert late.claimed_elsewhere == 0
    # The killed drain may not have reached these rows, so its claim counts no attempt.
    assert {call.attempt for call in calls} == {1}
    assert {call.idempotency_key for call in calls if call.idempotency_key in first_received} == first_received - settled
    final = rows_by_key(runtime).values()
    assert Counter(row["status"] for row in final) == Counter({"delivered": len(keys)})
    assert {row["attempts"] for row in final} == {1}


@pytest.mark.skipif(process_identity() is None, reason="this system has no /proc to name processes by")
def test_drain_crash_spares_rest_of_page(runtime: Runtime, tmp_path: Path) -> None:
    keys = add_pending_rows(runtime, 10)
    poison = keys[4]
    receiver = tmp_path / "received.txt"
    env = drain_environment(runtime, receiver, CRASH_ON_ITEM="row-4")

    first = subprocess.run([sys.executable, DRAIN_SCRIPT], env=env, cwd=REPO, capture_output=True, text=True,
                           timeout=120)
    assert first.returncode == CRASH_STATUS, first.stderr
    rows = rows_by_key(runtime)
    held = {key for key, row in rows.items() if row["status"] == "pending" and row["claimed_by"] is not None}
    assert set(keys[4:]) <= held, "the rows claimed with the crashing one are not held by the ended drain"

    # Each later drain takes over the crashing row in a batch of its own, so from the
    # second crash on each counts one attempt, and after 3 the row fails for good.
    crashes = 1
    while True:
        run = subprocess.run([sys.executable, DRAIN_SCRIPT], env=env, cwd=REPO, capture_output=True, text=True,
                             timeout=120)
        if run.returncode != CRASH_STATUS:
            break
        crashes += 1
        assert crashes <= 6, "the crashing row is retried without end"

    assert crashes == 4
    rows = rows_by_key(runtime)
    assert rows[poison]["status"] == "failed"
    assert rows[poison]["attempts"] == 3
    assert rows[poison]["last_error"].startswith("attempt 3 of 3 did not finish: the process of dispatcher")
    others = [rows[key] for key in keys if key != poison]
    assert {row["status"] for row in others} == {"delivered"}
    assert {row["attempts"] for row in others} == {1}
    assert set(received_keys(receiver)) == set(keys) - {poison}


def test_drain_skips_row_taken_over_midpage(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(outbox, "OUTCOME_WRITE_INTERVAL", 0.1)
    keys = add_pending_rows(runtime, 3)
    other = "other-host:4242:other001"
    calls: list[str] = []

    def slow_first(call: EffectCall) -> None:
        calls.append(call.idempotency_key)
        if call.idempotency_key != keys[0]:
            return
        # As if this claim had expired and another dispatcher had taken over the last row.
        with runtime.engine.begin() as connection:
            connection.execute(
                update(effects)
                .where(effects.c.idempotency_key == keys[2])
                .values(claimed_by=other, claimed_until=utcnow() + timedelta(seconds=45), claimed_process=None)
            )
        time.sleep(0.3)

    runtime.register_effect_handler("publish", slow_first)

    report = drain(runtime)

    assert calls == keys[:2]
    assert report.delivered == 2
    assert report.claimed_elsewhere == 1
    assert [claim.claimed_by for claim in report.left_claimed] == [other]
    assert "its claim expired and another dispatcher took it over" in caplog.text
    taken = rows_by_key(runtime)[keys[2]]
    assert taken["status"] == "pending"
    assert taken["claimed_by"] == other
    assert taken["attempts"] == 0
