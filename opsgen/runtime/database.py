"""Engines the runtime can rely on for transactions and savepoints.

The sqlite3 driver begins transactions on its own and breaks SAVEPOINT; SQLAlchemy's
SQLite documentation (section "Serializable isolation / Savepoints / Transactional DDL")
gives the fix used here: switch the driver's own handling off and emit ``BEGIN``
from SQLAlchemy. SQLite files also get write-ahead logging, so readers such as
``opsgen ops list`` never block a running operation, and a 30-second busy timeout, so
concurrent writers wait for each other instead of failing at once.
"""

from __future__ import annotations

import os
import sqlite3
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from opsgen.runtime.database_url import invalid_url_message, url_problem, url_source
from opsgen.runtime.errors import ConfigurationError

SQLITE_BUSY_TIMEOUT = 30.0

#: Seconds a pooled server connection may sit unused before its next checkout tests it
#: with a round trip. A connection used more recently is handed out untested.
PING_AFTER_IDLE = 1.0

_CHECKED_IN = "opsgen_checked_in"

#: Execution option that sets the statement beginning a SQLite transaction on one
#: connection, such as ``BEGIN IMMEDIATE`` for a transaction that will write.
SQLITE_BEGIN_OPTION = "opsgen_sqlite_begin"


def create_runtime_engine(url: str, *, sqlite_begin: str = "BEGIN", **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite engines get the savepoint fix, WAL and a busy timeout.

    ``sqlite_begin`` is the statement that starts a SQLite transaction; ``BEGIN
    IMMEDIATE`` takes the writer at once, for files that are only written.

    A child process forked after the engine was used starts with an empty pool (see
    :func:`_fresh_pools_after_fork`). A URL that SQLAlchemy cannot open (not a URL, an
    unknown dialect, a driver that is not installed) raises :class:`ConfigurationError`
    naming the URL, with its password hidden, and where it was set.
    """
    problem = url_problem(url)
    if problem is not None:
        raise ConfigurationError(invalid_url_message(url, url_source(url), problem))
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, **kwargs)
        if not kwargs.get("pool_pre_ping"):
            ping_idle_connections(engine)
        _forked_engines.add(engine)
        return engine

    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    in_memory = parsed.database in (None, "", ":memory:")
    prepare_sqlite_engine(engine, in_memory=in_memory, begin=sqlite_begin)
    if not in_memory:
        # An in-memory database lives in its one connection; a child keeps it.
        _forked_engines.add(engine)
    return engine


#: Engines whose pools a forked child must not share with its parent.
_forked_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _fresh_pools_after_fork() -> None:
    """Give each engine a new, empty pool in a forked child, without closing the parent's connections.

    A Celery prefork worker, or any server that forks after the application touched the
    database at import time, would otherwise use the parent's pooled connections from
    several processes at once. On PostgreSQL that mixes the processes' statements on one
    session; SQLite connections must never cross ``fork()`` at all.
    """
    for engine in list(_forked_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_fresh_pools_after_fork)


def ping_idle_connections(engine: Engine, idle: float = PING_AFTER_IDLE) -> None:
    """Test a pooled connection on checkout when it has been unused for ``idle`` seconds.

    SQLAlchemy's ``pool_pre_ping`` tests every checkout, which costs a round trip per
    transaction. A connection returned to the pool moments ago is almost surely alive.
    If it died since, its first statement fails: SQLAlchemy reports a disconnect and
    empties the pool. A connection that sat unused longer, through a server restart or
    a network idle timeout, is tested and replaced if dead.
    """

    @event.listens_for(engine, "checkin")
    def note_checkin(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in < idle:
            return  # a new connection, or one in use a moment ago
        problem: Exception | None = None
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means the connection is gone
            alive, problem = False, exc
        if not alive:
            # The pool discards the connection and checks out another (or a new one).
            raise DisconnectionError(
                f"a pooled connection unused for {time.monotonic() - checked_in:.1f} s failed its test: {problem}"
            ) from problem


@contextmanager
def begin_unflushed(engine: Engine) -> Iterator[Connection]:
    """Begin a short transaction whose commit does not wait for the disk on PostgreSQL.

    For markers, claims and leases: a server crash can lose such a commit, and the
    next durable commit of the server flushes it. Other databases commit as usual.
    """
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        yield connection


def is_sqlite_busy(error: BaseException) -> bool:
    """Return whether ``error`` reports a SQLite file locked by another connection (SQLITE_BUSY)."""
    message = str(error)
    return "database is locked" in message or "database is busy" in message


def enable_wal(connection: Any, timeout: float = SQLITE_BUSY_TIMEOUT) -> None:
    """Switch a ``sqlite3`` connection's file to write-ahead logging, waiting for other connections.

    Changing the journal mode needs the file to itself, and SQLite reports "database is
    locked" at once, without waiting through the busy timeout, when other processes
    open a new file at the same moment. So the switch is retried for up to ``timeout``
    seconds. A file already in WAL mode is left alone.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if not is_sqlite_busy(exc) or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)


def prepare_sqlite_engine(engine: Engine, *, in_memory: bool = False, begin: str = "BEGIN") -> None:
    """Install the SQLite transaction fix on an engine the application created itself."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            enable_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, begin))


def is_sqlite(engine: Engine) -> bool:
    """Return whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"
