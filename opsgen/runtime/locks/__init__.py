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

from urllib.parse import parse_qs, urlsplit, urlunsplit

from opsgen.runtime.locks.base import HeldLocks, LockBackend, LockError, LockLost, LockTimeout, order_keys
from opsgen.runtime.locks.keys import LockKeyError, render_lock_key

__all__ = [
    "HeldLocks",
    "LockBackend",
    "LockError",
    "LockKeyError",
    "LockLost",
    "LockTimeout",
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
