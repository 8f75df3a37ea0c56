"""Bring the opsgen tables to the newest Alembic revision shipped in the package."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, inspect, text

VERSION_TABLE = "opsgen_alembic_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_upgraded: set[str] = set()
_upgrade_lock = threading.Lock()


def head_revision() -> str:
    """Return the newest revision id among the shipped migrations."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, f"no migrations found in {MIGRATIONS_DIR}"
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, ``None`` for a database without opsgen tables."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        value = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        return None if value is None else str(value)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the shipped migrations up to ``revision`` on ``engine``'s database.

    Once an engine's database is at head, later calls in the same process return at once.
    """
    key = str(engine.url)
    if key in _upgraded:
        return
    with _upgrade_lock:
        if key in _upgraded:
            return
        if revision != "head" or current_revision(engine) != head_revision():
            _run_alembic(engine, revision)
        if revision == "head":
            _upgraded.add(key)


def _run_alembic(engine: Engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
