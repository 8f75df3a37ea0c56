"""An engine on Django's own database connection, whose transactions are Django ``atomic`` blocks.

The runtime runs transactions through SQLAlchemy. Pointed at Django's connection,
SQLAlchemy's begin, commit and rollback become entering and leaving
``django.db.transaction.atomic``, and its savepoints become nested ``atomic`` blocks.
So an operation called inside an ``atomic`` block that the application opened joins
it, with a savepoint of its own as Django nests blocks, and its writes commit or roll
back with the application's. Django ORM queries made inside the operation share the
same transaction.

Each thread gets Django's connection for that thread, as Django hands them out.
SQLAlchemy never closes it: Django manages its lifetime (``CONN_MAX_AGE``).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.pool import SingletonThreadPool

from opsgen.integrations.background import SHARED_CONNECTION
from opsgen.runtime.errors import ConfigurationError

#: SQLAlchemy dialect for each Django database vendor this engine supports.
DIALECTS = {"postgresql": "postgresql+psycopg://"}


class _RollbackRequested(Exception):
    """Passed to ``Atomic.__exit__`` to make it roll back."""


class DjangoDBAPIConnection:
    """The DB-API connection behind a Django connection, which SQLAlchemy must not close."""

    def __init__(self, wrapper: Any) -> None:
        object.__setattr__(self, "_wrapper", wrapper)

    def _raw(self) -> Any:
        wrapper = object.__getattribute__(self, "_wrapper")
        wrapper.ensure_connection()
        return wrapper.connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._raw(), name, value)

    def close(self) -> None:
        """Leave the connection open: Django closes it."""


class AtomicStack(threading.local):
    """The ``atomic`` blocks this engine entered in the current thread, innermost last.

    ``entered`` counts the blocks entered so far, so a reader can tell that an
    operation ran in between.
    """

    def __init__(self) -> None:
        self.blocks: list[Any] = []
        self.entered = 0


#: The atomic blocks that each Django engine entered, by engine.
_STACKS: weakref.WeakKeyDictionary[Engine, AtomicStack] = weakref.WeakKeyDictionary()


def opened_by_application(engine: Engine, connection: Any) -> bool:
    """Return whether Django ``connection``'s outermost atomic block was opened by the application.

    ``engine`` is the :func:`django_engine` on that connection; the blocks it entered
    are opsgen's own. Returns false outside any atomic block, and inside the
    transaction that Django's ``TestCase`` wraps around each test, which never commits.
    """
    if not connection.in_atomic_block or connection.atomic_blocks[0]._from_testcase:
        return False
    stack = _STACKS.get(engine)
    return stack is None or not stack.blocks or connection.atomic_blocks[0] is not stack.blocks[0]


#: Connection parameters that are not libpq settings, or that the URL carries elsewhere.
_NOT_IN_QUERY = frozenset({
    "dbname", "user", "password", "host", "port", "cursor_factory", "context", "client_encoding",
    "server_side_binding", "prepare_threshold", "isolation_level", "assume_role", "pool",
})


def database_url(prefix: str, params: dict[str, Any]) -> URL:
    """Return the URL of the database that Django's connection ``params`` reach.

    The engine connects through Django's connection whatever its URL contains, but the
    runtime opens other connections from it: the PostgreSQL lock backend, when no
    ``lock-url`` is set, takes its advisory locks in that database. The URL also keeps
    the in-flight journals of different databases in different folders.
    """
    query = {
        key: str(value) for key, value in params.items()
        if key not in _NOT_IN_QUERY and isinstance(value, (str, int)) and not isinstance(value, bool)
    }
    port = params.get("port")
    return make_url(prefix).set(
        username=params.get("user") or None,
        password=params.get("password") or None,
        host=params.get("host") or None,
        port=int(port) if port else None,
        database=params.get("dbname") or None,
        query=query,
    )


def atomic_stack(engine: Engine) -> AtomicStack | None:
    """Return the stack of ``atomic`` blocks that :func:`django_engine` ``engine`` entered in this thread."""
    return _STACKS.get(engine)


def django_engine(using: str = "default") -> Engine:
    """Return a SQLAlchemy engine on Django's connection ``using``.

    Raises :class:`ConfigurationError` for a database vendor other than PostgreSQL.
    """
    from django.db import connections, transaction  # type: ignore[import-untyped]

    wrapper = connections[using]
    prefix = DIALECTS.get(wrapper.vendor)
    if prefix is None:
        raise ConfigurationError(
            f"Django database {using!r} is {wrapper.vendor}; opsgen.integrations.django supports "
            f"{', '.join(sorted(DIALECTS))}"
        )

    def connect() -> DjangoDBAPIConnection:
        return DjangoDBAPIConnection(connections[using])

    engine = create_engine(
        database_url(prefix, wrapper.get_connection_params()), creator=connect, poolclass=SingletonThreadPool,
        pool_reset_on_return=None, use_native_hstore=False
    )
    # Django owns the connection's autocommit mode: opsgen must never switch it.
    engine.update_execution_options(**{SHARED_CONNECTION: True})
    stack = AtomicStack()
    _STACKS[engine] = stack
    dialect: Any = engine.dialect

    def enter() -> None:
        block = transaction.atomic(using=using)
        block.__enter__()
        stack.blocks.append(block)
        stack.entered += 1

    def leave(commit: bool) -> None:
        block = stack.blocks.pop()
        if commit:
            block.__exit__(None, None, None)
        else:
            block.__exit__(_RollbackRequested, _RollbackRequested(), None)

    def do_begin(_dbapi_connection: Any) -> None:
        enter()

    def do_commit(_dbapi_connection: Any) -> None:
        leave(commit=True)

    def do_rollback(_dbapi_connection: Any) -> None:
        # SQLAlchemy also rolls back after its first-connect checks, outside any block.
        if stack.blocks:
            leave(commit=False)

    def do_savepoint(_connection: Any, _name: str) -> None:
        enter()

    def do_release_savepoint(_connection: Any, _name: str) -> None:
        leave(commit=True)

    def do_rollback_to_savepoint(_connection: Any, _name: str) -> None:
        leave(commit=False)

    dialect.do_begin = do_begin
    dialect.do_commit = do_commit
    dialect.do_rollback = do_rollback
    dialect.do_savepoint = do_savepoint
    dialect.do_release_savepoint = do_release_savepoint
    dialect.do_rollback_to_savepoint = do_rollback_to_savepoint

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def keep_outer_durability(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
    ) -> tuple[str, Any]:
        # A SET LOCAL inside the application's atomic block would change the durability
        # of the application's whole transaction, not just of the execution record.
        if statement.startswith("SET LOCAL synchronous_commit") and len(connections[using].atomic_blocks) > 1:
            return "SELECT 1", parameters
        return statement, parameters

    return engine
