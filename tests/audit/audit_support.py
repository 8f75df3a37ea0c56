"""Fixtures and helpers shared by the audit tests: a fresh database per test on each backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from opsgen.audit import AuditConfig, AuditedEntity, install_audit

metadata = sa.MetaData()

plans = sa.Table(
    "billing_plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("amount", sa.Numeric(12, 2), nullable=False),
    sa.Column("interval_days", sa.Integer, nullable=False, server_default="30"),
    sa.Column("card_token", sa.String(100), nullable=True),
    sa.Column("updated_at", sa.String(40), nullable=True),
)

PLAN = AuditedEntity(
    name="billing_plan",
    table="billing_plans",
    sensitive=frozenset({"card_token"}),
    exclude=frozenset({"updated_at"}),
    snapshot_every=5,
)


def config_for(capture: str = "row") -> AuditConfig:
    return AuditConfig.of(
        AuditedEntity(
            name=PLAN.name,
            table=PLAN.table,
            sensitive=PLAN.sensitive,
            exclude=PLAN.exclude,
            snapshot_every=PLAN.snapshot_every,
            capture="statement" if capture == "statement" else "row",
        )
    )


def fresh_postgres_database(server_url: str) -> tuple[str, sa.Engine]:
    """Create an empty database on the server of ``server_url``; return its URL and an admin engine."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"opsgen_audit_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}", admin


def drop_postgres_database(admin: sa.Engine, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@dataclass
class AuditDatabase:
    """An engine on a fresh database with the billing_plans table audited."""

    url: str
    engine: sa.Engine
    config: AuditConfig

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def _prepared(url: str, capture: str) -> AuditDatabase:
    engine = sa.create_engine(url)
    config = config_for(capture)
    with engine.begin() as connection:
        metadata.create_all(connection)
        install_audit(connection, config)
    return AuditDatabase(url=url, engine=engine, config=config)


@pytest.fixture(params=["sqlite", "postgresql", "postgresql-statement"])
def audit_db(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[AuditDatabase]:
    """The billing_plans table, audited, on SQLite, PostgreSQL rows and PostgreSQL statements."""
    backend: str = request.param
    if backend == "sqlite":
        database = _prepared(f"sqlite:///{os.fspath(tmp_path)}/audit.db", "row")
        yield database
        database.engine.dispose()
        return

    server_url: str = request.getfixturevalue("postgres_url")
    url, admin = fresh_postgres_database(server_url)
    database = _prepared(url, "statement" if backend.endswith("statement") else "row")
    try:
        yield database
    finally:
        database.engine.dispose()
        drop_postgres_database(admin, url)


def audit_rows(connection: sa.Connection) -> list[sa.Row[tuple[object, ...]]]:
    """All change rows joined with their transaction, oldest first."""
    return list(
        connection.execute(
            sa.text(
                "SELECT c.entity, c.entity_id, c.version, c.action, c.transaction_id, t.origin, t.execution_id, "
                "t.actor, t.operation, t.db_user FROM opsgen_audit_change AS c "
                "LEFT JOIN opsgen_audit_transaction AS t ON t.id = c.transaction_id ORDER BY c.id"
            )
        )
    )


def write_in_process(
    url: str,
    actor: str,
    amount: str,
    may_write: object,
    wrote: object,
    may_commit: object,
) -> None:
    """Update billing plan 1 in its own transaction, pausing on the given events.

    Runs in a child process (multiprocessing "spawn"), so the events are
    ``multiprocessing.Event`` objects. They are typed ``object`` so that this module
    imports without a multiprocessing context.
    """
    from decimal import Decimal
    from typing import Any

    from opsgen.audit import AuditContext, set_audit_context

    events: list[Any] = [may_write, wrote, may_commit]
    engine = sa.create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    with engine.connect() as connection:
        with connection.begin():
            set_audit_context(connection, AuditContext(execution_id=actor, actor=actor))
            events[0].wait(30)
            connection.execute(plans.update().where(plans.c.id == 1).values(amount=Decimal(amount)))
            events[1].set()
            events[2].wait(30)
    engine.dispose()


def crash_after_write(url: str) -> None:
    """Set a context, update billing plan 1 and exit without committing, as a crashed writer would."""
    from decimal import Decimal

    from opsgen.audit import AuditContext, set_audit_context

    engine = sa.create_engine(url)
    connection = engine.connect()
    connection.begin()
    set_audit_context(connection, AuditContext(execution_id="crashed", actor="crashed"))
    connection.execute(plans.update().where(plans.c.id == 1).values(amount=Decimal("66.00")))
    os._exit(3)
