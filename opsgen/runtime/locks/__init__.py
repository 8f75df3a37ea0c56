"""Locks and singleton claims shared by processes and hosts.

Open a backend from the configured URL, then take keys for an execution::

    backend = open_lock_backend("redis://127.0.0.1:6379/0")
    with backend.acquire_many(["account:42"], timeout=10, lease=30, owner=execution_id):
        ...

``sqlite:///path`` stores locks in a table of that SQLite file, ``postgresql://`` (or
``postgresql+psycopg://``) uses advisory locks, ``redis://`` and ``rediss://`` use keys
with an expiry. See :mod:`opsgen.runtime.locks.base` for the guarantees they share.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

from opsgen.runtime.database_url import hide_password
from opsgen.runtime.errors import ConfigurationError
from opsgen.runtime.locks.base import (
    HeldLocks,
    LockBackend,
    LockError,
    LockLost,
    LockTimeout,
    LockUnavailable,
    WaitHook,
    order_keys,
)
from opsgen.runtime.locks.keys import LockKeyError, render_lock_key

__all__ = [
    "HeldLocks",
    "LockBackend",
    "LockError",
    "LockKeyError",
    "LockLost",
    "LockTimeout",
    "LockUnavailable",
    "WaitHook",
    "check_lock_url",
    "lock_url_for_database",
    "lock_url_problem",
    "open_lock_backend",
    "order_keys",
    "render_lock_key",
]

#: The backend of each lock URL scheme, without a ``+driver`` suffix.
BACKEND_OF_SCHEME = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "redis": "redis",
    "rediss": "redis",
    "unix": "redis",
}

#: The lock URL forms, for messages about a URL that names no backend.
LOCK_URL_FORMS = (
    "sqlite:///FILE, postgresql://USER@HOST/DATABASE (or postgresql+psycopg://...), "
    "redis://HOST:PORT/DB, rediss://HOST:PORT/DB or unix:///PATH/TO/redis.sock"
)

#: The module each server backend needs, with the opsgen extra that installs it.
_CLIENT_LIBRARIES = {"postgresql": ("psycopg", "postgres"), "redis": ("redis", "redis")}


def lock_url_problem(url: str) -> str | None:
    """Return why ``url`` names no usable lock backend, or ``None`` when one serves it.

    Checks the scheme, that a SQLite URL names a file, and that the client library of
    a PostgreSQL or Redis URL is installed. It does not connect, so a server that is
    down is found only when a lock is taken.
    """
    scheme = urlsplit(url).scheme.split("+", 1)[0]
    backend = BACKEND_OF_SCHEME.get(scheme)
    if backend is None:
        close = difflib.get_close_matches(scheme, list(BACKEND_OF_SCHEME), n=1, cutoff=0.6)
        named = f"the scheme {scheme!r}" if scheme else "no scheme"
        suggestion = f" (did you mean {close[0]}://?)" if close else ""
        return f"no lock backend has {named}{suggestion}; use {LOCK_URL_FORMS}"
    if backend == "sqlite":
        if _sqlite_lock_path(url) in ("", ":memory:"):
            return "locks are shared between processes, so they need a file, as in sqlite:///var/opsgen.db"
        return None
    module, extra = _CLIENT_LIBRARIES[backend]
    if importlib.util.find_spec(module) is None:
        return f"the {module} package, which the {backend} lock backend needs, is not installed; install opsgen[{extra}]"
    return None


def check_lock_url(url: str | None, source: str) -> None:
    """Raise :class:`ConfigurationError` when ``url``, set in ``source``, names no usable lock backend.

    ``source`` names where the URL was set, such as ``the environment variable
    OPSGEN_LOCK_URL``. The message shows the URL with its password hidden.
    """
    if not url:
        return
    problem = lock_url_problem(url)
    if problem is not None:
        raise ConfigurationError(f"invalid lock URL {hide_password(url)!r} in {source}: {problem}")


def _sqlite_lock_path(url: str) -> str:
    return url.split(":///", 1)[1].split("?", 1)[0] if ":///" in url else ""


def open_lock_backend(url: str) -> LockBackend:
    """Open the lock backend the URL's scheme names.

    Raises ``ValueError`` for a URL that :func:`lock_url_problem` rejects. The PostgreSQL
    and Redis backends import their client library only when chosen. The SQLite
    backend opens its file here and raises :class:`LockUnavailable` when it cannot;
    the others connect when a lock is taken.
    """
    problem = lock_url_problem(url)
    if problem is not None:
        raise ValueError(f"invalid lock URL {hide_password(url)!r}: {problem}")
    parts = urlsplit(url)
    backend = BACKEND_OF_SCHEME[parts.scheme.split("+", 1)[0]]

    if backend == "sqlite":
        from opsgen.runtime.locks.sqlite import SQLiteLockBackend

        return SQLiteLockBackend(_sqlite_lock_path(url))

    if backend == "postgresql":
        from opsgen.runtime.locks.postgres import PostgresLockBackend

        return PostgresLockBackend(url)

    from opsgen.runtime.locks.redis import DEFAULT_PREFIX, RedisLockBackend

    query = parse_qs(parts.query)
    prefix = query.pop("prefix", [DEFAULT_PREFIX])[0]
    rest = "&".join(f"{name}={value}" for name, values in query.items() for value in values)
    client_url = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment))
    return RedisLockBackend(client_url, prefix=prefix)


def lock_url_for_database(database_url: str) -> str:
    """Return the lock backend URL to use when only the database URL is configured.

    A PostgreSQL database serves its own advisory locks, so its URL is returned as is.
    A SQLite database ``DIR/NAME.db`` gets its locks in ``DIR/NAME.locks.db``. SQLite
    allows one writer per file, so lock rows in the application's file would wait
    behind its write transactions. A nested call could then never take a lock once its
    caller's transaction has written. An in-memory database gets a private temporary
    file, because it is only visible to one process anyway.
    """
    scheme = urlsplit(database_url).scheme.split("+", 1)[0]
    if scheme != "sqlite":
        return database_url

    path = _sqlite_lock_path(database_url)
    if path in ("", ":memory:"):
        descriptor, path = tempfile.mkstemp(prefix="opsgen-locks-", suffix=".db")
        os.close(descriptor)
        return f"sqlite:///{path}"
    database = Path(path)
    suffix = database.suffix or ".db"
    return f"sqlite:///{database.with_name(database.stem + '.locks' + suffix)}"
