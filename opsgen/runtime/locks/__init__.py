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

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

from opsgen.runtime.locks.base import HeldLocks, LockBackend, LockError, LockLost, LockTimeout, WaitHook, order_keys
from opsgen.runtime.locks.keys import LockKeyError, render_lock_key

__all__ = [
    "HeldLocks",
    "LockBackend",
    "LockError",
    "LockKeyError",
    "LockLost",
    "LockTimeout",
    "WaitHook",
    "lock_url_for_database",
    "open_lock_backend",
    "order_keys",
    "render_lock_key",
]


def open_lock_backend(url: str) -> LockBackend:
    """Open the lock backend the URL's scheme names.

    Raises ``ValueError`` for a scheme with no backend. The PostgreSQL and Redis backends
    import their client library only when chosen.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]

    if scheme == "sqlite":
        from opsgen.runtime.locks.sqlite import SQLiteLockBackend

        path = url.split(":///", 1)[1] if ":///" in url else ""
        if not path or path == ":memory:":
            raise ValueError(
                f"invalid SQLite lock URL {url!r}: locks are shared between processes, "
                "so they need a file, as in sqlite:///var/opsgen.db"
            )
        return SQLiteLockBackend(path.split("?", 1)[0])

    if scheme in ("postgresql", "postgres"):
        from opsgen.runtime.locks.postgres import PostgresLockBackend

        return PostgresLockBackend(url)

    if scheme in ("redis", "rediss", "unix"):
        from opsgen.runtime.locks.redis import DEFAULT_PREFIX, RedisLockBackend

        query = parse_qs(parts.query)
        prefix = query.pop("prefix", [DEFAULT_PREFIX])[0]
        rest = "&".join(f"{name}={value}" for name, values in query.items() for value in values)
        client_url = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment))
        return RedisLockBackend(client_url, prefix=prefix)

    raise ValueError(
        f"no lock backend for URL {url!r}: use sqlite:///FILE, postgresql://... or redis://..."
    )


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

    path = database_url.split(":///", 1)[1].split("?", 1)[0] if ":///" in database_url else ""
    if path in ("", ":memory:"):
        descriptor, path = tempfile.mkstemp(prefix="opsgen-locks-", suffix=".db")
        os.close(descriptor)
        return f"sqlite:///{path}"
    database = Path(path)
    suffix = database.suffix or ".db"
    return f"sqlite:///{database.with_name(database.stem + '.locks' + suffix)}"
