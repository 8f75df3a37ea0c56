"""`opsgen audit check` fails when a migration changes an audited table without refreshing its triggers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from audit_support import AuditDatabase, plans
from opsgen.audit import AuditConfig, AuditedEntity, check_triggers, history
from opsgen.audit.alembic import refresh_audit_triggers
from opsgen.cli.main import main

PYPROJECT = """
[tool.opsgen]
database-url = "{url}"

[tool.opsgen.audit.entities.billing_plan]
table = "billing_plans"
sensitive = ["card_token"]
exclude = ["updated_at"]
snapshot-every = 5
capture = "{capture}"
"""


def write_pyproject(tmp_path: Path, database: AuditDatabase) -> Path:
    capture = database.config.entity("billing_plan").capture
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT.format(url=database.url, capture=capture), encoding="utf-8")
    return path


def add_discount_column(database: AuditDatabase, *, refresh: bool) -> None:
    with database.engine.begin() as connection:
        op = Operations(MigrationContext.configure(connection))
        op.add_column("billing_plans", sa.Column("discount_pct", sa.Numeric(5, 2), nullable=True))
        if refresh:
            refresh_audit_triggers(op, "billing_plan", database.config)


def test_check_passes_after_install(audit_db: AuditDatabase) -> None:
    with audit_db.engine.connect() as connection:
        assert check_triggers(connection, audit_db.config) == []


def test_added_column_fails_check(audit_db: AuditDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_discount_column(audit_db, refresh=False)

    with audit_db.engine.connect() as connection:
        problems = check_triggers(connection, audit_db.config)
    assert len(problems) == 1
    assert problems[0].table == "billing_plans"
    assert "discount_pct" in problems[0].message

    status = main(["audit", "--config", str(write_pyproject(tmp_path, audit_db)), "check"])
    assert status == 1
    error = capsys.readouterr().err
    assert "billing_plans" in error
    assert "discount_pct" in error


def test_refreshed_triggers_record_new_column(audit_db: AuditDatabase, tmp_path: Path) -> None:
    add_discount_column(audit_db, refresh=True)
    with audit_db.engine.begin() as connection:
        connection.execute(plans.insert().values(id=1, name="p", amount=Decimal("1.00")))
        connection.exec_driver_sql("UPDATE billing_plans SET discount_pct = 12.5 WHERE id = 1")

    assert main(["audit", "--config", str(write_pyproject(tmp_path, audit_db)), "check"]) == 0
    with audit_db.engine.connect() as connection:
        latest = history(connection, "billing_plan", 1, limit=1)[0]
    assert latest.changes == {"discount_pct": [None, Decimal("12.5")]}


def test_changed_declaration_fails_check(audit_db: AuditDatabase) -> None:
    entity = audit_db.config.entity("billing_plan")
    stricter = AuditConfig.of(
        AuditedEntity(
            name=entity.name,
            table=entity.table,
            sensitive=entity.sensitive | {"name"},
            exclude=entity.exclude,
            capture=entity.capture,
        )
    )
    with audit_db.engine.connect() as connection:
        problems = check_triggers(connection, stricter)
    assert len(problems) == 1
    assert "billing_plans" in str(problems[0])


def test_dropped_trigger_fails_check(audit_db: AuditDatabase) -> None:
    with audit_db.engine.begin() as connection:
        if audit_db.dialect == "postgresql":
            connection.exec_driver_sql("DROP TRIGGER opsgen_audit_truncate ON billing_plans")
        else:
            connection.exec_driver_sql("DROP TRIGGER opsgen_audit_billing_plans_update")
    with audit_db.engine.connect() as connection:
        problems = check_triggers(connection, audit_db.config)
    assert len(problems) == 1
    assert "missing" in problems[0].message


def test_cli_install_then_check(audit_db: AuditDatabase, tmp_path: Path) -> None:
    pyproject = write_pyproject(tmp_path, audit_db)
    add_discount_column(audit_db, refresh=False)
    assert main(["audit", "--config", str(pyproject), "check"]) == 1
    assert main(["audit", "--config", str(pyproject), "install"]) == 0
    assert main(["audit", "--config", str(pyproject), "check"]) == 0
