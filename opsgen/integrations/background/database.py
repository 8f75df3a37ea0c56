"""Database helpers of the background modules.

They provide statements that commit on their own, short transactions that skip the
disk wait for markers, statements run on psycopg's cursor, and the conversion of the
naive datetimes SQLite returns.

On PostgreSQL the statements that commit on their own (the sender's pending record,
the worker's claim and final record) run on a dedicated connection, one per runtime
and process, that stays in autocommit mode between calls. Checking a connection out
of the pool for each statement, switching it to autocommit and resetting it on
return cost more CPU than the statement itself. The price is one connection of the
pool that stays checked out in each process that enqueues or runs calls.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from opsgen.runtime.database import PING_AFTER_IDLE, begin_unflushed
from opsgen.runtime.runtime import Runtime


#: Engine execution option set on engines whose connections belong to another library
#: (Django's): opsgen then never switches them to autocommit.
SHARED_CONNECTION = "opsgen_shared_connection"


def shares_connection(engine: Engine) -> bool:
    """Return whether ``engine``'s connections belong to another library (see :data:`SHARED_CONNECTION`)."""
    return bool(engine.get_execution_options().get(SHARED_CONNECTION))


@contextmanager
def single_statements(runtime: Runtime) -> Iterator[Connection]:
    """Yield a connection on which each statement commits on its own, in autocommit mode.

    That saves the round trips of ``BEGIN`` and ``COMMIT``. On PostgreSQL the
    connection is the runtime's dedicated connection (see the module docs), unless
    another thread is using it: then one comes from the pool. An exception in the
    ``with`` block returns the dedicated connection to the pool, so the next
    statement gets a fresh one. An engine marked with :data:`SHARED_CONNECTION` gets
    one transaction instead, because its connections belong to another library whose
    autocommit mode opsgen must not change.
    """
    engine = runtime.engine
    if shares_connection(engine):
        with engine.begin() as connection:
            yield connection
        return
    dedicated = _dedicated_connection(runtime) if engine.dialect.name == "postgresql" else None
    if dedicated is None or not dedicated.lock.acquire(blocking=False):
        with engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    try:
        connection = dedicated.take()
        try:
            yield connection
        except BaseException:
            dedicated.drop()
            raise
        dedicated.last_used = time.monotonic()
    finally:
        dedicated.lock.release()


class _DedicatedConnection:
    """A runtime's autocommit connection, checked out of the pool once and kept between statements.

    Like the pool's own test of idle connections, a connection unused for
    :data:`~opsgen.runtime.database.PING_AFTER_IDLE` seconds is tested with a round
    trip before its next statement, and replaced when it fails.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: Held by the thread whose statement uses the connection.
        self.lock = threading.Lock()
        self.connection: Connection | None = None
        #: ``time.monotonic()`` after the last statement that succeeded.
        self.last_used = 0.0

    def take(self) -> Connection:
        """Return the dedicated connection, opening or replacing it when needed. The caller must hold :attr:`lock`."""
        connection = self.connection
        if connection is not None and time.monotonic() - self.last_used >= PING_AFTER_IDLE and not _alive(connection):
            self.drop(invalidate=True)
            connection = None
        if connection is None:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.connection = connection
        return connection

    def drop(self, *, invalidate: bool = False) -> None:
        """Give the connection back to the pool, or with ``invalidate`` close it for good."""
        connection, self.connection = self.connection, None
        if connection is None:
            return
        if invalidate:
            connection.invalidate()
        connection.close()

    def close(self) -> None:
        """Give the connection back to the pool, waiting for a statement that uses it."""
        with self.lock:
            self.drop()

    def forget_after_fork(self) -> None:
        """Let go of a connection inherited from the parent process without closing it."""
        if self.connection is not None:
            _inherited_connections.append(self.connection)
        self.connection = None
        self.lock = threading.Lock()


def _alive(connection: Connection) -> bool:
    try:
        dbapi_connection = connection.connection.dbapi_connection
        return dbapi_connection is not None and connection.dialect.do_ping(dbapi_connection)
    except Exception:  # noqa: BLE001 - any failure means the connection is gone
        return False


_dedicated: weakref.WeakKeyDictionary[Runtime, _DedicatedConnection] = weakref.WeakKeyDictionary()
_dedicated_lock = threading.Lock()

#: Dedicated connections inherited from a parent process. They stay referenced and are
#: never closed, because closing a PostgreSQL connection sends the server a termination
#: message that would end the parent's session.
_inherited_connections: list[Connection] = []


def _dedicated_connection(runtime: Runtime) -> _DedicatedConnection:
    dedicated = _dedicated.get(runtime)
    if dedicated is not None and dedicated.engine is runtime.engine:
        return dedicated
    with _dedicated_lock:
        dedicated = _dedicated.get(runtime)
        if dedicated is None or dedicated.engine is not runtime.engine:
            if dedicated is not None:
                dedicated.close()
            dedicated = _dedicated[runtime] = _DedicatedConnection(runtime.engine)
            # Back to the pool before the engine is disposed, and when the runtime goes.
            runtime.on_dispose.append(dedicated.close)
            weakref.finalize(runtime, dedicated.close)
    return dedicated


def _forget_after_fork() -> None:
    global _dedicated_lock
    _dedicated_lock = threading.Lock()
    for dedicated in list(_dedicated.values()):
        dedicated.forget_after_fork()


# Celery's prefork pool and web servers that preload the application fork after opsgen
# may have opened the dedicated connection.
os.register_at_fork(after_in_child=_forget_after_fork)


def uses_driver_cursor(connection: Connection) -> bool:
    """Return whether the worker's hot statements may run on ``connection``'s psycopg cursor.

    Django's connections are left out, because Django registers its own loaders and dumpers.
    """
    return connection.dialect.driver == "psycopg" and not shares_connection(connection.engine)


def watches_statements(connection: Connection) -> bool:
    """Return whether a listener of SQLAlchemy's cursor events (tracing, statement counts) watches ``connection``."""
    dispatch = connection.dispatch
    return bool(dispatch.before_cursor_execute) or bool(dispatch.after_cursor_execute)


@dataclass(frozen=True)
class DriverStatement:
    """A statement compiled to the driver's SQL, with SQLAlchemy's conversion of each parameter that needs one."""

    sql: str
    processors: Mapping[str, Callable[[Any], Any]]

    def parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return ``values`` converted as SQLAlchemy would bind them (JSON columns wrapped for psycopg)."""
        processors = self.processors
        return {
            name: processors[name](value) if name in processors else value for name, value in values.items()
        }


def compile_for_driver(statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...] = ()) -> DriverStatement:
    """Compile ``statement`` for ``dialect``, setting the columns that ``keys`` name; callers cache the result.

    ``keys`` plays the part of the parameter names of an ``UPDATE`` without ``.values()``.
    """
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    assert isinstance(compiled, SQLCompiler)
    processors = {}
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
    return DriverStatement(str(compiled), processors)


def execute_on_driver(
    connection: Connection, sql: str, parameters: Mapping[str, Any], *, fetch: bool = False
) -> tuple[Any, ...] | None:
    """Run ``sql`` on the DBAPI cursor of ``connection``; with ``fetch``, return its first row or ``None``.

    That skips SQLAlchemy's execution context and result processing, which took about
    as much Python time as the driver's own work on a short statement (cProfile of the
    Celery benchmark's worker). SQLAlchemy's statement events do not see the statement. A driver error is raised as the ``DBAPIError`` that
    ``Connection.execute`` would raise, and a lost connection is invalidated, as
    there.
    """
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, parameters)
        # Not cursor.description: psycopg builds its column objects on each read.
        row: tuple[Any, ...] | None = cursor.fetchone() if fetch else None
        return row
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql, parameters, error, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
        ) from error
    finally:
        cursor.close()


@contextmanager
def marker_transaction(runtime: Runtime) -> Iterator[Connection]:
    """Open a short transaction whose commit does not wait for the disk on PostgreSQL.

    Claims and attempt rows are markers: a database crash that loses one leaves the
    execution pending or running under an expired lease, so the next delivery runs it,
    and the execution's own final record is written with a durable commit.
    """
    with begin_unflushed(runtime.engine) as connection:
        yield connection


def aware(value: datetime) -> datetime:
    """Return ``value`` in UTC; SQLite returns naive datetimes, stored in UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
