"""``opsgen outbox retry`` and ``opsgen outbox list``: see failed durable effects and deliver them again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

import pytest

from sqlalchemy import select

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.outbox import drain
from opsgen.runtime.outbox_admin import find_effects, requeue
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import effects

HERE = Path(__file__).resolve().parent
OPSGEN = str(Path(sys.executable).with_name("opsgen"))


class Opsgen(Protocol):
    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]: ...


@pytest.fixture
def opsgen(runtime: Runtime, tmp_path: Path) -> Opsgen:
    """Run ``opsgen`` on the test's database, from a folder without a pyproject.toml naming an app."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
            "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False),
            "COLUMNS": "250",
            **env,
        }
        return subprocess.run(
            [OPSGEN, *args], env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )

    return run


def broken(call: EffectCall) -> None:
    raise ConnectionError("receiver down")


def effect_row(runtime: Runtime, effect_id: str) -> dict[str, Any]:
    with runtime.engine.connect() as connection:
        return dict(connection.execute(select(effects).where(effects.c.id == effect_id)).one()._mapping)


def failed_effect(runtime: Runtime, item: str) -> tuple[str, str]:
    """Run ``shop.create_item`` with a durable effect that fails for good; return its effect and execution ids."""
    runtime.register_effect_handler("publish", broken)
    result = ops.create_item(Context(), name=item, durable_to="queue")
    assert result.ok
    drain(runtime, wait=5.0)
    with runtime.engine.connect() as connection:
        effect_id = connection.execute(
            select(effects.c.id).where(effects.c.execution_id == result.execution_id, effects.c.durable)
        ).scalar_one()
    assert effect_row(runtime, effect_id)["status"] == "failed"
    return effect_id, str(result.execution_id)


def test_retry_by_id_requeues_with_fresh_budget(runtime: Runtime, opsgen: Opsgen, tmp_path: Path) -> None:
    effect_id, execution_id = failed_effect(runtime, "again")

    retried = opsgen("outbox", "retry", effect_id[:8], "--by", "alice")

    assert retried.returncode == 0, retried.stderr
    assert f"re-queued {effect_id} publish_item of shop.create_item (execution {execution_id})" in retried.stdout
    assert "re-queued 1" in retried.stdout
    row = effect_row(runtime, effect_id)
    assert row["status"] == "pending"
    assert row["attempts"] == 0
    assert row["max_attempts"] == 3
    assert row["claimed_by"] is None
    assert row["last_error"].startswith("re-queued by alice at ")
    assert "after 3 attempts; last error: ConnectionError: receiver down" in row["last_error"]

    receiver = tmp_path / "received.txt"
    drained = opsgen("outbox", "drain", "--app", "runtime_outbox_app:build", RECEIVER_FILE=str(receiver))
    assert drained.returncode == 0, drained.stderr
    assert drained.stdout.startswith("delivered 1,")
    assert receiver.read_text(encoding="utf-8").split() == [row["idempotency_key"], "again"]

    shown = json.loads(opsgen("ops", "show", execution_id, "--format", "json").stdout)
    (durable,) = [effect for effect in shown["effects"] if effect["durable"]]
    assert durable["status"] == "delivered"
    assert durable["attempts"] == 1
    table = opsgen("ops", "show", execution_id).stdout
    assert "1/3" in table


def test_retry_attempts_option_sets_budget(runtime: Runtime, opsgen: Opsgen) -> None:
    effect_id, _ = failed_effect(runtime, "budget")

    retried = opsgen("outbox", "retry", effect_id, "--attempts", "5")

    assert retried.returncode == 0, retried.stderr
    assert "up to 5 attempts" in retried.stdout
    assert effect_row(runtime, effect_id)["max_attempts"] == 5


def test_retry_single_attempt_singular(runtime: Runtime, opsgen: Opsgen) -> None:
    effect_id, _ = failed_effect(runtime, "single")

    retried = opsgen("outbox", "retry", effect_id, "--attempts", "1")

    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.splitlines()[0].endswith(", up to 1 attempt")


def test_retry_failed_filters(runtime: Runtime, opsgen: Opsgen) -> None:
    first, _ = failed_effect(runtime, "one")
    second, _ = failed_effect(runtime, "two")

    none = opsgen("outbox", "retry", "--failed", "--effect", "notify")
    assert none.returncode == 0, none.stderr
    assert none.stdout.strip() == "re-queued 0"
    other = opsgen("outbox", "retry", "--failed", "--operation", "misc.echo")
    assert other.stdout.strip() == "re-queued 0"
    assert effect_row(runtime, first)["status"] == "failed"

    both = opsgen("outbox", "retry", "--failed", "--effect", "publish_item", "--operation", "shop.create_item")

    assert both.returncode == 0, both.stderr
    assert "re-queued 2" in both.stdout
    assert effect_row(runtime, first)["status"] == "pending"
    assert effect_row(runtime, second)["status"] == "pending"


def test_retry_rejects_what_cannot_run_again(runtime: Runtime, opsgen: Opsgen) -> None:
    runtime.register_effect_handler("publish", lambda call: None)
    runtime.register_effect_handler("email", broken)
    result = ops.create_item(Context(), name="mixed", durable_to="queue", email_to="x@example.com")
    assert result.ok
    rows = {row["name"]: row for row in ops_effects(runtime, str(result.execution_id))}
    assert rows["publish_item"]["status"] == "delivered"
    assert rows["notify"]["status"] == "failed"

    retried = opsgen("outbox", "retry", rows["publish_item"]["id"], rows["notify"]["id"], "no-such-id")

    assert retried.returncode == 1
    assert "re-queued 0" in retried.stdout
    assert f"effect {rows['publish_item']['id']} (publish_item) is delivered, not failed" in retried.stderr
    assert f"effect {rows['notify']['id']} (notify) is not durable" in retried.stderr
    assert "no effect with id 'no-such-id'" in retried.stderr


def ops_effects(runtime: Runtime, execution_id: str) -> list[dict[str, Any]]:
    with runtime.engine.connect() as connection:
        query = select(effects).where(effects.c.execution_id == execution_id)
        return [dict(row._mapping) for row in connection.execute(query)]


def test_retry_usage_errors_exit_2(runtime: Runtime, opsgen: Opsgen) -> None:
    neither = opsgen("outbox", "retry")
    assert neither.returncode == 2
    assert "give either effect ids or --failed" in neither.stderr
    both = opsgen("outbox", "retry", "abc", "--failed")
    assert both.returncode == 2
    filters = opsgen("outbox", "retry", "abc", "--effect", "publish_item")
    assert filters.returncode == 2
    assert "use them with --failed" in filters.stderr
    zero = opsgen("outbox", "retry", "--failed", "--attempts", "0")
    assert zero.returncode == 2


def test_second_requeue_finds_row_taken(runtime: Runtime) -> None:
    effect_id, _ = failed_effect(runtime, "race")
    rows, errors = find_effects(runtime, [effect_id])
    assert errors == []

    first = requeue(runtime, rows, by="first")
    second = requeue(runtime, rows, by="second")

    assert [row["id"] for row in first.requeued] == [effect_id]
    assert second.requeued == []
    assert second.errors == [f"effect {effect_id} (publish_item) is no longer failed: another process changed it"]
    assert effect_row(runtime, effect_id)["last_error"].startswith("re-queued by first ")


def test_list_shows_failed_without_payload(runtime: Runtime, opsgen: Opsgen) -> None:
    effect_id, execution_id = failed_effect(runtime, "listed")

    listed = opsgen("outbox", "list", "--status", "failed", "--format", "json")

    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert row["id"] == effect_id
    assert row["operation"] == "shop.create_item"
    assert row["execution_id"] == execution_id
    assert row["attempts"] == 3
    assert "payload" not in row
    assert row["payload_redacted"] == {"to": "queue", "item": "listed"}
    assert json.loads(opsgen("outbox", "list", "--status", "delivered", "--format", "json").stdout) == []
    table = opsgen("outbox", "list").stdout
    assert effect_id[:8] in table
    assert "3/3" in table
    assert "receiver down" in table


def test_list_rejects_unknown_status(runtime: Runtime, opsgen: Opsgen) -> None:
    listed = opsgen("outbox", "list", "--status", "lost")

    assert listed.returncode == 2
    assert "invalid choice: 'lost'" in listed.stderr
