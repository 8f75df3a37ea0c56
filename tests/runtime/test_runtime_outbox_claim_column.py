"""Revision 0005 adds ``opsgen_effects.claimed_process`` and keeps the rows already in the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from opsgen.runtime import migrate
from opsgen.runtime.schema import effects, metadata
from opsgen.runtime.store import utcnow


@pytest.fixture(params=["sqlite", "postgres"])
def empty_engine(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[sa.Engine]:
    """An engine on a database without opsgen tables: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        engine = sa.create_engine(sqlite_url)
        yield engine
        engine.dispose()
        return

    server_url: str = request.getfixturevalue("postgres_url")
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"opsgen_claim_column_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = sa.create_engine(server_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def claimed_row() -> dict[str, object]:
    now = utcnow()
    return {
        "id": str(uuid.uuid4()), "execution_id": str(uuid.uuid4()), "sequence": 1, "name": "publish_item",
        "kind": "publish", "durable": True, "status": "pending", "idempotency_key": str(uuid.uuid4()),
        "payload": {"item": "kept"}, "attempts": 0, "max_attempts": 3, "backoff": 0.0, "multiplier": 2.0,
        "max_delay": 300.0, "claimed_by": "host:1:before05", "claimed_until": now + timedelta(seconds=60),
        "created_at": now,
    }


def effect_columns(engine: sa.Engine) -> set[str]:
    with engine.connect() as connection:
        return {column["name"] for column in sa.inspect(connection).get_columns(effects.name)}


def test_effects_table_matches_migrations(empty_engine: sa.Engine) -> None:
    migrate.upgrade(empty_engine)

    with empty_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    mentioning = [difference for difference in differences if effects.name in repr(difference)]

    assert "claimed_process" in effect_columns(empty_engine)
    assert mentioning == []


def test_claim_column_upgrade_keeps_rows(empty_engine: sa.Engine) -> None:
    migrate.upgrade(empty_engine, "0004")
    row = claimed_row()
    legacy = sa.Table(effects.name, sa.MetaData(), autoload_with=empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(legacy.insert().values(row))

    migrate.upgrade(empty_engine)

    assert migrate.current_revision(empty_engine) == "0005"
    with empty_engine.connect() as connection:
        stored = connection.execute(sa.select(effects).where(effects.c.id == row["id"])).one()._mapping
    assert stored["claimed_by"] == "host:1:before05"
    assert stored["claimed_process"] is None
    assert stored["payload"] == {"item": "kept"}


def test_claim_column_downgrade_removes_it(empty_engine: sa.Engine) -> None:
    migrate.upgrade(empty_engine)
    assert "claimed_process" in effect_columns(empty_engine)
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))

    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")

    assert migrate.current_revision(empty_engine) == "0004"
    assert "claimed_process" not in effect_columns(empty_engine)
    assert "claimed_by" in effect_columns(empty_engine)
