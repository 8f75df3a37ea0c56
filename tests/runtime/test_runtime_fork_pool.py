"""A process forked after the runtime used its database opens connections of its own.

Celery's prefork pool forks after the application module ran, and an application that
creates its tables at import time leaves a pooled connection behind. Shared by several
processes, one PostgreSQL session mixes their statements.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is not available on this system")


def session_of(runtime: Runtime, dialect: str) -> str:
    """Name the database session a checkout gets.

    On PostgreSQL that is the server process. A SQLite connection is identified by a
    temporary table, which only the connection that created it can read.
    """
    with runtime.engine.connect() as connection:
        if dialect == "postgresql":
            return str(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
        probe = "SELECT count(*) FROM sqlite_temp_master WHERE name = 'fork_probe'"
        if not connection.execute(text(probe)).scalar_one():
            connection.execute(text("CREATE TEMP TABLE fork_probe (session TEXT)"))
            connection.execute(text("INSERT INTO fork_probe VALUES (hex(randomblob(8)))"))
            connection.commit()
        return str(connection.execute(text("SELECT session FROM fork_probe")).scalar_one())


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_forked_child_does_not_share_pooled_connections(request: pytest.FixtureRequest, dialect: str) -> None:
    url = str(request.getfixturevalue("sqlite_url" if dialect == "sqlite" else "postgres_url"))
    runtime = Runtime(Settings(root=Path.cwd(), database_url=url))
    runtime.ensure_schema()  # leaves a connection in the pool, as start-up code does
    parent_session = session_of(runtime, dialect)

    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 0
        try:
            os.write(writer, session_of(runtime, dialect).encode())
        except BaseException as exc:  # noqa: BLE001 - report anything to the parent
            os.write(writer, f"error: {exc!r}".encode())
            status = 1
        finally:
            sys.stdout.flush()
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        child_session = pipe.read()
    _, status = os.waitpid(pid, 0)

    assert status == 0, child_session
    assert child_session != parent_session
    # The parent's pooled connection survived the child: nothing closed it.
    assert session_of(runtime, dialect) == parent_session
    runtime.dispose()
