"""``opsgen outbox list`` and ``opsgen ops show`` on an effect delivered after failed attempts.

The row keeps the error of its last failed attempt in ``last_error``. The tables must not
show it as if the delivered effect had failed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

import runtime_fixture_ops as ops
from opsgen.cli.main import main
from opsgen.runtime.context import Context
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.outbox import drain
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import effects


def delivered_on_third_attempt(runtime: Runtime) -> tuple[str, str]:
    """Run ``shop.create_item`` with a durable effect that fails twice, then is delivered; return its ids."""
    calls: list[EffectCall] = []

    def publish(call: EffectCall) -> None:
        calls.append(call)
        if len(calls) < 3:
            raise ConnectionError(f"receiver down on call {len(calls)}")

    runtime.register_effect_handler("publish", publish)
    result = ops.create_item(Context(), name="third time", durable_to="queue")
    assert result.ok
    drain(runtime, wait=5.0)
    with runtime.engine.connect() as connection:
        row = connection.execute(
            select(effects).where(effects.c.execution_id == result.execution_id, effects.c.durable)
        ).one()
    assert (row.status, row.attempts, row.max_attempts) == ("delivered", 3, 3)
    assert row.last_error == "ConnectionError: receiver down on call 2"
    return str(row.id), str(result.execution_id)


@pytest.fixture
def cli_environment(runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point ``opsgen`` at the test's database, from a folder without a project, with wide tables."""
    monkeypatch.setenv("OPSGEN_DATABASE_URL", runtime.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("cli_environment")
def test_outbox_list_marks_error_before_delivery(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    effect_id, _execution_id = delivered_on_third_attempt(runtime)

    assert main(["outbox", "list"]) == 0
    table = capsys.readouterr().out

    (line,) = [line for line in table.splitlines() if effect_id[:8] in line]
    assert "3/3" in line
    assert "before delivery: ConnectionError: receiver down on call 2" in line


@pytest.mark.usefixtures("cli_environment")
def test_outbox_list_json_keeps_last_error(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    effect_id, _execution_id = delivered_on_third_attempt(runtime)

    assert main(["outbox", "list", "--format", "json"]) == 0
    (row,) = [row for row in json.loads(capsys.readouterr().out) if row["id"] == effect_id]

    assert row["status"] == "delivered"
    assert row["last_error"] == "ConnectionError: receiver down on call 2"


@pytest.mark.usefixtures("cli_environment")
def test_ops_show_marks_effect_error_before_delivery(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    _effect_id, execution_id = delivered_on_third_attempt(runtime)

    assert main(["ops", "show", execution_id]) == 0
    output = capsys.readouterr().out

    (line,) = [line for line in output.splitlines() if "publish_item" in line]
    assert "before delivery: ConnectionError: receiver down on call 2" in line
