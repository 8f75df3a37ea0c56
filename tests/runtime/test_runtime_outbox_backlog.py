"""``opsgen outbox drain`` over a backlog larger than one page: every due row in one run, each attempted once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from opsgen.runtime.effects import EffectCall
from opsgen.runtime.outbox import PAGE_SIZE, drain
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import effects
from opsgen.runtime.store import utcnow

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OPSGEN = str(Path(sys.executable).with_name("opsgen"))

BACKLOG = 250


def insert_backlog(runtime: Runtime, count: int, *, next_attempt_at: datetime | None = None) -> list[str]:
    """Insert ``count`` pending durable rows of kind ``publish``, as killed processes leave them, and return their keys.

    The rows have no execution record, so a dispatcher finds their handler by kind.
    """
    created = utcnow() - timedelta(minutes=5)
    rows: list[dict[str, Any]] = []
    for number in range(count):
        rows.append({
            "id": str(uuid.uuid4()),
            "execution_id": str(uuid.uuid4()),
            "sequence": 0,
            "name": "publish_item",
            "kind": "publish",
            "durable": True,
            "status": "pending",
            "idempotency_key": uuid.uuid4().hex,
            "payload": {"item": f"row-{number}"},
            "payload_redacted": {"item": f"row-{number}"},
            "attempts": 0,
            "max_attempts": 3,
            "backoff": 0.0,
            "multiplier": 1.0,
            "max_delay": 0.0,
            "next_attempt_at": next_attempt_at,
            # Seven rows share each creation time, so the id orders them, as in a backlog written in bulk.
            "created_at": created + timedelta(milliseconds=number // 7),
        })
    with runtime.engine.begin() as connection:
        connection.execute(insert(effects), rows)
    return [row["idempotency_key"] for row in rows]


def statuses(runtime: Runtime) -> Counter[str]:
    with runtime.engine.connect() as connection:
        return Counter(row.status for row in connection.execute(select(effects.c.status)))


def attempt_counts(runtime: Runtime) -> Counter[int]:
    with runtime.engine.connect() as connection:
        return Counter(row.attempts for row in connection.execute(select(effects.c.attempts)))


def test_drain_delivers_whole_backlog(runtime: Runtime) -> None:
    assert BACKLOG > 2 * PAGE_SIZE, "the backlog must span several pages"
    keys = insert_backlog(runtime, BACKLOG)
    calls: list[EffectCall] = []
    runtime.register_effect_handler("publish", calls.append)

    report = drain(runtime)

    assert report.delivered == BACKLOG
    assert report.left_due == 0
    assert report.waiting == 0
    assert not report.stopped_at_limit
    assert sorted(call.idempotency_key for call in calls) == sorted(keys)
    assert statuses(runtime) == Counter({"delivered": BACKLOG})
    assert drain(runtime).attempted == 0


def test_drain_attempts_failing_rows_once(runtime: Runtime) -> None:
    keys = insert_backlog(runtime, BACKLOG)
    calls: list[EffectCall] = []

    def down(call: EffectCall) -> None:
        calls.append(call)
        raise ConnectionError("receiver down")

    runtime.register_effect_handler("publish", down)

    report = drain(runtime)

    assert report.attempted == BACKLOG
    assert report.retrying == BACKLOG
    assert Counter(call.idempotency_key for call in calls) == Counter(keys)
    assert attempt_counts(runtime) == Counter({1: BACKLOG})
    # A backoff of 0 s makes every retry due at once. Those rows count as waiting, not as left.
    assert report.waiting == BACKLOG
    assert report.next_retry_at is not None
    assert report.next_retry_at <= utcnow()
    assert report.left_due == 0
    assert statuses(runtime) == Counter({"pending": BACKLOG})


def test_drain_stops_at_limit_and_counts_rest(runtime: Runtime) -> None:
    insert_backlog(runtime, BACKLOG)
    calls: list[EffectCall] = []
    runtime.register_effect_handler("publish", calls.append)

    report = drain(runtime, limit=120)

    assert report.delivered == 120
    assert report.stopped_at_limit
    assert report.left_due == BACKLOG - 120
    assert len(calls) == 120
    assert statuses(runtime) == Counter({"delivered": 120, "pending": BACKLOG - 120})


def test_drain_leaves_row_due_during_run(runtime: Runtime) -> None:
    insert_backlog(runtime, 1)
    (later_key,) = insert_backlog(runtime, 1, next_attempt_at=utcnow() + timedelta(seconds=0.3))
    calls: list[EffectCall] = []

    def slow(call: EffectCall) -> None:
        calls.append(call)
        time.sleep(0.6)

    runtime.register_effect_handler("publish", slow)

    report = drain(runtime)

    assert report.delivered == 1
    assert later_key not in {call.idempotency_key for call in calls}
    assert report.left_due == 1
    assert not report.stopped_at_limit
    assert report.waiting == 0


def environment(runtime: Runtime, receiver: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
        "RECEIVER_FILE": str(receiver),
    }


def delivered_count(output: str) -> int:
    found = re.search(r"^delivered (\d+), ", output, re.MULTILINE)
    assert found is not None, output
    return int(found.group(1))


def test_drain_command_reports_limit(runtime: Runtime, tmp_path: Path) -> None:
    insert_backlog(runtime, BACKLOG)
    env = environment(runtime, tmp_path / "received.txt")

    drained = subprocess.run(
        [OPSGEN, "outbox", "drain", "--app", "runtime_outbox_app:build", "--limit", "200"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )

    assert drained.returncode == 1, drained.stdout + drained.stderr
    assert delivered_count(drained.stdout) == 200
    assert "50 due effects left undelivered, because the run stopped after --limit 200 attempts." in drained.stdout


def test_concurrent_drains_deliver_each_once(runtime: Runtime, tmp_path: Path) -> None:
    keys = insert_backlog(runtime, 2 * BACKLOG)
    receivers = [tmp_path / "first.txt", tmp_path / "second.txt"]
    command = [OPSGEN, "outbox", "drain", "--app", "runtime_outbox_app:build"]
    # The delay per delivery keeps each run busy long enough for the two to overlap.
    drains = [
        subprocess.Popen(
            command, env={**environment(runtime, receiver), "RECEIVE_DELAY": "0.004"}, cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for receiver in receivers
    ]
    outputs = [process.communicate(timeout=180) for process in drains]

    received = [line.split()[0] for receiver in receivers if receiver.exists()
                for line in receiver.read_text(encoding="utf-8").splitlines()]
    assert Counter(received) == Counter(keys)
    delivered = [delivered_count(stdout) for stdout, _ in outputs]
    assert sum(delivered) == 2 * BACKLOG
    assert min(delivered) > 0, "the two runs did not overlap, so claims were not exercised"
    assert statuses(runtime) == Counter({"delivered": 2 * BACKLOG})
