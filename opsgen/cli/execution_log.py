"""The check that ``opsgen ops`` and ``opsgen outbox`` make before they open the execution log.

Connecting to a SQLite URL creates its file, and ``Runtime.prepare`` creates the opsgen
tables. Without this check a command run in the wrong folder, or with a misspelt URL,
would leave an empty database behind and then report that it found nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine, URL


def log_problem(engine: Engine, *, require_tables: bool = True) -> str | None:
    """Return why the execution log of ``engine`` cannot be opened, or ``None`` when it can.

    A file-backed SQLite URL whose file does not exist is reported without connecting,
    so no file is created. With ``require_tables`` the database must also hold the
    opsgen tables, and a database that cannot be reached is reported too.
    """
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError

    display_url = engine.url.render_as_string(hide_password=True)
    missing = _missing_sqlite_file(engine.url)
    if missing is not None:
        return (f"no execution log at {display_url!r}: the SQLite file {missing} does not exist; "
                "run an operation first or pass --database-url")
    if not require_tables:
        return None
    try:
        with engine.connect() as connection:
            has_tables = inspect(connection).has_table("opsgen_executions")
    except OperationalError as exc:
        return f"cannot open the execution log at {display_url!r}: {exc.orig}; check the URL and that the server runs"
    if not has_tables:
        return (f"no execution log at {display_url!r}: the opsgen tables are missing; "
                "run an operation first or call Runtime.ensure_schema()")
    return None


def _missing_sqlite_file(url: URL) -> str | None:
    """Return the path of a file-backed SQLite URL whose file does not exist, else ``None``."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or url.query.get("uri"):
        return None
    return None if Path(database).exists() else database
