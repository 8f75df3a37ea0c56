"""Schema upgrades keep Alembic's INFO lines out of the application's log."""

from __future__ import annotations

import logging
import os
import sqlite3

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


def test_creator_engines_upgraded_each(tmp_path: "os.PathLike[str]") -> None:
    # Engines built with creator= (as for Django's connections) all have the URL
    # "sqlite://" or "postgresql+psycopg://", whatever database they reach.
    engines = []
    for name in ("first.db", "second.db"):
        path = f"{os.fspath(tmp_path)}/{name}"
        engines.append(create_engine("sqlite://", creator=lambda path=path: sqlite3.connect(path)))
    try:
        for engine in engines:
            migrate.upgrade(engine)
        assert [migrate.current_revision(engine) for engine in engines] == [migrate.head_revision()] * 2
    finally:
        for engine in engines:
            engine.dispose()
