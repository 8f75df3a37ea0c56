"""Reading the trail: CLI history, diff and as-of, snapshots and retention."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from audit_support import AuditDatabase, plans
from opsgen.audit import (
    AuditConfig,
    AuditContext,
    AuditedEntity,
    HistoryPruned,
    as_of,
    diff,
    history,
    prune,
    set_audit_context,
    state_at_version,
    take_snapshots,
)
from opsgen.cli.main import main


def make_history(database: AuditDatabase, updates: int) -> None:
    with database.engine.begin() as connection:
        set_audit_context(connection, AuditContext(execution_id="exec-seed", actor="alice", operation="billing.create_plan"))
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))
    for number in range(updates):
        with database.engine.begin() as connection:
            set_audit_context(connection, AuditContext(execution_id=f"exec-{number}", actor="bob", operation="billing.reprice"))
            connection.execute(plans.update().values(amount=Decimal("10.00") + number + 1))


def cli(database: AuditDatabase, *args: str) -> int:
    return main(["audit", "--database-url", database.url, *args])


def test_cli_history_shows_who_and_diff(audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    make_history(audit_db, 2)
    assert cli(audit_db, "history", "billing_plan", "1") == 0
    output = capsys.readouterr().out
    lines = output.splitlines()
    assert lines[0].startswith("v3 ")
    assert "actor bob" in lines[0]
    assert "billing.reprice execution exec-1" in lines[0]
    assert lines[1].startswith("    amount: ")
    before, after = lines[1].removeprefix("    amount: ").split(" -> ")
    assert (Decimal(before), Decimal(after)) == (Decimal("11"), Decimal("12"))
    assert "\nv1 " in output
    assert "billing.create_plan execution exec-seed" in output


def test_cli_history_json_pages(audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    make_history(audit_db, 4)
    assert cli(audit_db, "history", "billing_plan", "1", "--limit", "2", "--before", "4", "--json") == 0
    records = [json.loads(line, parse_float=Decimal) for line in capsys.readouterr().out.splitlines()]
    assert [record["version"] for record in records] == [3, 2]
    assert records[0]["execution_id"] == "exec-1"
    assert records[0]["changes"] == {"amount": [11, 12]}


def test_cli_diff_and_as_of(audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    make_history(audit_db, 3)
    assert cli(audit_db, "diff", "billing_plan", "1", "1", "4") == 0
    column, values = capsys.readouterr().out.strip().split(": ")
    assert column == "amount"
    assert [Decimal(value) for value in values.split(" -> ")] == [Decimal("10"), Decimal("13")]

    with audit_db.engine.connect() as connection:
        second = history(connection, "billing_plan", 1)[-2]
    assert cli(audit_db, "as-of", "billing_plan", "1", second.committed_at.isoformat()) == 0
    state = json.loads(capsys.readouterr().out, parse_float=Decimal)
    assert state["amount"] == Decimal("11")
    assert state["name"] == "basic"


def test_cli_missing_entity_fails(audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(audit_db, "history", "billing_plan", "404") == 1
    assert "no recorded versions of billing_plan 404" in capsys.readouterr().err


def test_snapshots_bound_replay(audit_db: AuditDatabase) -> None:
    make_history(audit_db, 12)
    with audit_db.engine.begin() as connection:
        written = take_snapshots(connection, audit_db.config)
        again = take_snapshots(connection, audit_db.config)
        versions = [row[0] for row in connection.exec_driver_sql("SELECT version FROM opsgen_audit_snapshot ORDER BY 1")]
    assert written == {"billing_plan": 2}
    assert again == {"billing_plan": 0}
    assert versions == [5, 10]

    # With the changes up to the last snapshot removed, later versions still rebuild.
    with audit_db.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM opsgen_audit_change WHERE version <= 10")
    with audit_db.engine.connect() as connection:
        latest = state_at_version(connection, "billing_plan", 1, 13)
        at_snapshot = state_at_version(connection, "billing_plan", 1, 5)
        assert latest is not None
        assert latest["amount"] == Decimal("22.00")
        assert at_snapshot is not None
        assert at_snapshot["amount"] == Decimal("14.00")
        with pytest.raises(HistoryPruned):
            state_at_version(connection, "billing_plan", 1, 7)


def test_prune_keeps_state_at_cutoff(audit_db: AuditDatabase) -> None:
    make_history(audit_db, 4)
    config = AuditConfig.of(AuditedEntity(name="billing_plan", table="billing_plans", retention_days=30))
    with audit_db.engine.connect() as connection:
        third = history(connection, "billing_plan", 1)[2]
    # Pretend versions 1 to 3 are 40 days old.
    old = datetime.now(timezone.utc) - timedelta(days=40)
    stored = old.replace(tzinfo=None) if audit_db.dialect == "sqlite" else old
    with audit_db.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE opsgen_audit_change SET committed_at = :old WHERE version <= 3"), {"old": stored}
        )
        results = prune(connection, config)
    assert [(r.entity, r.changes_deleted) for r in results] == [("billing_plan", 3)]
    assert third.version == 3

    with audit_db.engine.connect() as connection:
        versions = history(connection, "billing_plan", 1)
        assert [v.version for v in versions] == [5, 4]
        assert state_at_version(connection, "billing_plan", 1, 3)["amount"] == Decimal("12.00")  # type: ignore[index]
        latest = as_of(connection, "billing_plan", 1, datetime.now(timezone.utc))
        assert latest is not None
        assert latest["amount"] == Decimal("14.00")
        with pytest.raises(HistoryPruned):
            as_of(connection, "billing_plan", 1, old - timedelta(days=1))
        assert diff(connection, "billing_plan", 1, 3, 5) == {"amount": (Decimal("12.00"), Decimal("14.00"))}


def test_cli_prune_and_snapshot(audit_db: AuditDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_history(audit_db, 6)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        f'[tool.opsgen]\ndatabase-url = "{audit_db.url}"\n\n'
        '[tool.opsgen.audit.entities.billing_plan]\ntable = "billing_plans"\nsensitive = ["card_token"]\n'
        'exclude = ["updated_at"]\nsnapshot-every = 5\nretention-days = 30\n',
        encoding="utf-8",
    )
    assert main(["audit", "--config", str(pyproject), "snapshot"]) == 0
    assert "billing_plan: 1 snapshot written" in capsys.readouterr().out
    assert main(["audit", "--config", str(pyproject), "prune"]) == 0
    assert "billing_plan: deleted 0 changes" in capsys.readouterr().out


def test_cli_options_after_subcommand(audit_db: AuditDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    make_history(audit_db, 1)
    assert main(["audit", "history", "billing_plan", "1", "--database-url", audit_db.url, "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_cli_without_audit_tables_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.db").touch()
    url = f"sqlite:///{tmp_path}/empty.db"
    assert main(["audit", "--database-url", url, "history", "billing_plan", "1"]) == 1
    assert "no audit tables" in capsys.readouterr().err


def test_rows_older_than_triggers_get_baseline(audit_db: AuditDatabase) -> None:
    from opsgen.audit import install_entity, uninstall_entity

    entity = audit_db.config.entity("billing_plan")
    with audit_db.engine.begin() as connection:
        uninstall_entity(connection, entity)
        connection.execute(plans.insert().values(id=1, name="legacy", amount=Decimal("7.00"), card_token="tok"))
        install_entity(connection, entity)
        # A second install finds the baseline and does not replace it.
        install_entity(connection, entity)
    with audit_db.engine.begin() as connection:
        connection.execute(plans.update().values(amount=Decimal("8.00")))

    with audit_db.engine.connect() as connection:
        first = history(connection, "billing_plan", 1)
        before = state_at_version(connection, "billing_plan", 1, 0)
        after = state_at_version(connection, "billing_plan", 1, 1)
        changed = diff(connection, "billing_plan", 1, 0, 1)
        moment = first[0].committed_at - timedelta(microseconds=1)
        earlier = as_of(connection, "billing_plan", 1, moment)
    assert [v.version for v in first] == [1]
    assert before is not None
    assert before["name"] == "legacy"
    assert before["card_token"] == "***"
    assert after is not None
    assert after["name"] == "legacy"
    assert after["amount"] == Decimal("8.00")
    assert changed == {"amount": (Decimal("7.00"), Decimal("8.00"))}
    assert earlier is not None
    assert earlier["amount"] == Decimal("7.00")
