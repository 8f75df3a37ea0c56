"""Schema upgrades keep Alembic's INFO lines out of the application's log."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine

from opsgen.runtime import migrate


def test_upgrade_logs_only_real_migrations(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    engine = create_engine(sqlite_url)
    alembic_level = logging.getLogger("alembic").level
    try:
        migrate.upgrade(engine)
        first = [(record.name, record.getMessage()) for record in caplog.records]
        caplog.clear()
        migrate._upgraded.discard(str(engine.url))
        migrate.upgrade(engine)
        second = [(record.name, record.getMessage()) for record in caplog.records]
    finally:
        engine.dispose()

    assert first == [("opsgen.runtime.migrate", f"upgraded the execution log schema to {migrate.head_revision()}")]
    assert second == []
    assert logging.getLogger("alembic").level == alembic_level
