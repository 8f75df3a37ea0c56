"""Where the audit declaration is found, and how the CLI prints history, baselines and secrets."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from audit_support import AuditDatabase, metadata, plans
from opsgen.audit import (
    AuditConfig,
    AuditedEntity,
    HistoryNotRecorded,
    as_of,
    check_triggers,
    history,
    install,
    install_entity,
    uninstall_entity,
)
from opsgen.audit.alembic import refresh_audit_triggers
from opsgen.audit.history import baseline
from opsgen.cli.main import main
from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime

DECLARATION = """
[tool.opsgen]
database-url = "{url}"

[tool.opsgen.audit.entities.billing_plan]
table = "billing_plans"
sensitive = ["card_token"]
exclude = ["updated_at"]
capture = "{capture}"
"""


def write_pyproject(folder: Path, url: str, capture: str = "row") -> Path:
    path = folder / "pyproject.toml"
    path.write_text(DECLARATION.format(url=url, capture=capture), encoding="utf-8")
    return path


def pyproject_for(database: AuditDatabase, folder: Path) -> Path:
    return write_pyproject(folder, database.url, database.config.entity("billing_plan").capture)


def runtime_on(url: str, folder: Path) -> Runtime:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        metadata.create_all(connection)
    return Runtime(Settings(root=folder, database_url=url), engine=engine)


def add_discount_column(database: AuditDatabase, *, refresh: bool) -> None:
    with database.engine.begin() as connection:
        op = Operations(MigrationContext.configure(connection))
        op.add_column("billing_plans", sa.Column("discount_pct", sa.Numeric(5, 2), nullable=True))
        if refresh:
            refresh_audit_triggers(op, "billing_plan", database.config)


def test_install_without_config_reads_nearest_pyproject(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pyproject(tmp_path, sqlite_url)
    below = tmp_path / "src" / "app"
    below.mkdir(parents=True)
    monkeypatch.chdir(below)
    runtime = runtime_on(sqlite_url, tmp_path)

    install(runtime, install_triggers=True)
    with runtime.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))

    with runtime.engine.connect() as connection:
        assert [v.action for v in history(connection, "billing_plan", 1)] == ["insert"]
    runtime.engine.dispose()


def test_install_without_declaration_warns(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    runtime = runtime_on(sqlite_url, tmp_path)

    with caplog.at_level(logging.WARNING, logger="opsgen.audit.hook"):
        install(runtime, install_triggers=True)

    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings == [
        f"audit: no audited entities are declared (no pyproject.toml with [tool.opsgen] in {tmp_path.resolve()} "
        'or above); add a table such as [tool.opsgen.audit.entities.billing_plan] with table = "billing_plans" '
        "to the project's pyproject.toml, or pass its configuration as "
        'install(runtime, opsgen.audit.load_config("path/to/pyproject.toml")); no change will be recorded'
    ]
    runtime.engine.dispose()


def test_check_without_entities_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "--database-url", f"sqlite:///{tmp_path}/opsgen.db", "check"]) == 2
    error = capsys.readouterr().err
    assert str(tmp_path.resolve()) in error
    assert "[tool.opsgen.audit.entities." in error
    assert "to the project's pyproject.toml, or pass the file with --config" in error


def test_history_of_a_table_name_names_the_entity(
    audit_db: AuditDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = pyproject_for(audit_db, tmp_path)
    assert main(["audit", "--config", str(pyproject), "history", "billing_plans", "1"]) == 1
    error = capsys.readouterr().err
    assert "'billing_plans' is not a declared audited entity (declared: billing_plan)" in error
    assert "is the table of entity 'billing_plan'" in error


def test_history_of_misspelt_entity_suggests_closest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_pyproject(tmp_path, f"sqlite:///{tmp_path}/audit.db")

    for command in ("history", "diff", "as-of"):
        extra = {"history": [], "diff": ["1", "2"], "as-of": ["2026-01-01T00:00:00"]}[command]
        assert main(["audit", command, "biling_plan", "1", *extra]) == 1, command
        error = capsys.readouterr().err
        assert error == (
            "opsgen audit: 'biling_plan' is not a declared audited entity (declared: billing_plan); "
            "did you mean 'billing_plan'?\n"
        ), command


def test_install_of_misspelt_entity_suggests_closest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_pyproject(tmp_path, f"sqlite:///{tmp_path}/audit.db")

    assert main(["audit", "install", "biling_plan"]) == 1

    assert capsys.readouterr().err == (
        "opsgen audit: no audited entity 'biling_plan' (declared: billing_plan); did you mean 'billing_plan'?\n"
    )


def test_history_of_unrelated_entity_has_no_suggestion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_pyproject(tmp_path, f"sqlite:///{tmp_path}/audit.db")

    assert main(["audit", "history", "invoice", "1"]) == 1

    assert capsys.readouterr().err == (
        "opsgen audit: 'invoice' is not a declared audited entity (declared: billing_plan)\n"
    )


def test_added_column_message_matches_database(audit_db: AuditDatabase) -> None:
    add_discount_column(audit_db, refresh=False)
    with audit_db.engine.connect() as connection:
        [problem] = check_triggers(connection, audit_db.config)
    if audit_db.dialect == "postgresql":
        assert "the triggers' column list is stale: discount_pct" in problem.message
        assert "not recorded" not in problem.message
    else:
        assert "not recorded: discount_pct" in problem.message


def test_history_before_install_is_unknown_not_absent(
    audit_db: AuditDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entity = audit_db.config.entity("billing_plan")
    with audit_db.engine.begin() as connection:
        uninstall_entity(connection, entity)
        connection.execute(plans.insert().values(id=1, name="legacy", amount=Decimal("7.00")))
        install_entity(connection, entity)
    with audit_db.engine.connect() as connection:
        start = baseline(connection, "billing_plan", 1)
        assert start is not None
        earlier = start[0] - timedelta(seconds=5)
        with pytest.raises(HistoryNotRecorded, match="no history before"):
            as_of(connection, "billing_plan", 1, earlier)
    pyproject = pyproject_for(audit_db, tmp_path)

    assert main(["audit", "--config", str(pyproject), "as-of", "billing_plan", "1", earlier.isoformat()]) == 1
    assert "no history before" in capsys.readouterr().err
    assert main(["audit", "--config", str(pyproject), "history", "billing_plan", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("v0  ")
    assert "baseline at install" in out
    assert '    name: "legacy"' in out


def test_as_of_shows_columns_added_later_as_null(
    audit_db: AuditDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))
    add_discount_column(audit_db, refresh=True)
    pyproject = pyproject_for(audit_db, tmp_path)

    assert main(["audit", "--config", str(pyproject), "as-of", "billing_plan", "1", "2999-01-01T00:00:00"]) == 0
    captured = capsys.readouterr()
    assert '"discount_pct": null' in captured.out
    assert "discount_pct shown as null: not recorded at that time" in captured.err


def test_null_secret_stays_null(audit_db: AuditDatabase) -> None:
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00")))
        connection.execute(plans.update().values(card_token="tok"))
        connection.execute(plans.update().values(card_token=None))

    with audit_db.engine.connect() as connection:
        versions = history(connection, "billing_plan", 1)
    changes = [v.changes["card_token"] for v in reversed(versions)]
    assert changes == [None, [None, "***"], ["***", None]]


def test_cli_history_reads_cleanly(audit_db: AuditDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with audit_db.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO billing_plans (id, name, amount) VALUES (1, 'basic', 9.9)")
    pyproject = pyproject_for(audit_db, tmp_path)

    assert main(["audit", "--config", str(pyproject), "history", "billing_plan", "1"]) == 0
    out = capsys.readouterr().out
    assert "amount: null -> 9.90" in out
    assert "null -> null" not in out
    assert "?" not in out
    assert main(["audit", "--config", str(pyproject), "check"]) == 0
    assert "(1 entity)" in capsys.readouterr().out


def test_read_only_command_creates_no_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "opsgen.db"
    assert main(["audit", "--database-url", f"sqlite:///{missing}", "history", "billing_plan", "1"]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists()


def test_install_without_triggers_warns(
    audit_db: AuditDatabase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with audit_db.engine.begin() as connection:
        uninstall_entity(connection, audit_db.config.entity("billing_plan"))
    runtime = Runtime(Settings(root=tmp_path, database_url=audit_db.url), engine=audit_db.engine)

    with caplog.at_level(logging.WARNING, logger="opsgen.audit.hook"):
        install(runtime, audit_db.config)

    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("audit: changes to 1 audited entity are not recorded, or not in full")
    assert "billing_plans (entity billing_plan): missing" in warnings[0]
    assert "run `opsgen audit install`" in warnings[0]


def test_install_before_table_warns(sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = sa.create_engine(sqlite_url)
    runtime = Runtime(Settings(root=tmp_path, database_url=sqlite_url), engine=engine)
    config = AuditConfig.of(AuditedEntity(name="order", table="orders"))

    with caplog.at_level(logging.WARNING, logger="opsgen.audit.hook"):
        install(runtime, config)

    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "orders (entity order): the table does not exist; create the application's tables first" in warnings[0]
    engine.dispose()


def test_install_with_triggers_is_quiet(
    audit_db: AuditDatabase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = Runtime(Settings(root=tmp_path, database_url=audit_db.url), engine=audit_db.engine)

    with caplog.at_level(logging.WARNING, logger="opsgen.audit.hook"):
        install(runtime, audit_db.config)

    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []


def test_audit_install_before_table_says_create_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_pyproject(tmp_path, f"sqlite:///{tmp_path}/new.db")

    assert main(["audit", "install"]) == 1

    error = capsys.readouterr().err
    assert "table 'billing_plans' of audited entity 'billing_plan' does not exist" in error
    assert "create the application's tables first" in error


TABLE_ORDER = ["id", "name", "amount", "interval_days", "card_token"]


def printed_columns(text: str, indent: str) -> list[str]:
    """Return the column names of the ``column: ...`` lines of ``text`` that start with ``indent``."""
    return [line[len(indent):].split(":")[0] for line in text.splitlines() if line.startswith(indent) and ": " in line]


def test_audit_commands_print_table_order(
    audit_db: AuditDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="basic", amount=Decimal("10.00"), card_token="tok"))
    with audit_db.engine.begin() as connection:
        connection.execute(
            plans.update().values(name="pro", amount=Decimal("20.00"), interval_days=365, card_token="tok2")
        )
    pyproject = pyproject_for(audit_db, tmp_path)
    audit = ["audit", "--config", str(pyproject)]

    assert main([*audit, "history", "billing_plan", "1"]) == 0
    history_text = capsys.readouterr().out
    update, insert = history_text.split("\nv1  ")
    assert printed_columns(update, "    ") == TABLE_ORDER[1:]
    assert printed_columns(insert, "    ") == TABLE_ORDER

    assert main([*audit, "diff", "billing_plan", "1", "1", "2"]) == 0
    # Both tokens are stored as "***", so the diff leaves card_token out.
    assert printed_columns(capsys.readouterr().out, "") == ["name", "amount", "interval_days"]

    assert main([*audit, "as-of", "billing_plan", "1", "2999-01-01T00:00:00"]) == 0
    assert list(json.loads(capsys.readouterr().out)) == TABLE_ORDER
