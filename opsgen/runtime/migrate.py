"""Bring the opsgen tables to the newest Alembic revision shipped in the package."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, inspect, text

VERSION_TABLE = "opsgen_alembic_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Loggers that Alembic writes INFO lines to during an upgrade; a level set on a child
#: (by a logging configuration file, for example) would override its parent's.
ALEMBIC_LOGGERS = ("alembic", "alembic.runtime.migration", "alembic.runtime.plugins")

logger = logging.getLogger(__name__)

#: Databases at head: their URLs, and the engines whose URL names no database (an
#: engine built with ``creator=``, as for Django's connections), whose URLs all look alike.
_upgraded: set[str] = set()
_upgraded_engines: weakref.WeakSet[Engine] = weakref.WeakSet()
_upgrade_lock = threading.Lock()


def _at_head(engine: Engine) -> bool:
    if engine.url.database:
        return str(engine.url) in _upgraded
    return engine in _upgraded_engines


def _note_at_head(engine: Engine) -> None:
    if engine.url.database:
        _upgraded.add(str(engine.url))
    else:
        _upgraded_engines.add(engine)


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
    Alembic's INFO lines stay out of the application's log; one INFO line of this module
    names the new revision when a migration ran.
    """
    if _at_head(engine):
        return
    # Importing Alembic logs its plugin setup, so the quiet block covers the imports too.
    with _upgrade_lock, quiet_alembic():
        if _at_head(engine):
            return
        if revision != "head" or current_revision(engine) != head_revision():
            _run_alembic(engine, revision)
        if revision == "head":
            _note_at_head(engine)


def _run_alembic(engine: Engine, revision: str) -> None:
    """Run the migrations and log one line when they changed the revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    before = current_revision(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    after = current_revision(engine)
    if after != before:
        logger.info("upgraded the execution log schema to %s", after)


@contextmanager
def quiet_alembic() -> Iterator[None]:
    """Raise the ``alembic`` loggers to WARNING while the block runs, then restore their levels."""
    loggers = [logging.getLogger(name) for name in ALEMBIC_LOGGERS]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for log, level in zip(loggers, levels):
            log.setLevel(level)
