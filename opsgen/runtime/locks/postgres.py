"""Locks as PostgreSQL advisory locks, held by an open transaction.

Scope. Each held set of keys gets a connection from a small pool, opens a transaction on
it and takes ``pg_advisory_xact_lock`` for each key. The transaction stays open while the
operation runs and ends (``COMMIT``) on release, which frees every key at once. The
locks are transaction-scoped on purpose. Behind PgBouncer in transaction pooling mode, a
client keeps the same server connection exactly as long as a transaction is open. A
transaction-scoped lock therefore lives and dies on the server connection that took it.
Session-level ``pg_advisory_lock`` is not safe there, because the server connection goes
back to the pool after each transaction, still holding the lock, and the matching
``pg_advisory_unlock`` may run on another server connection.
The cost is one server connection for each held set while it is held.

Lease. The lock transaction sets ``idle_in_transaction_session_timeout`` to the lease,
and the lease renewer runs ``SELECT 1`` in it every third of the lease. A holder that is
killed frees its keys as soon as its connection closes; one that hangs or loses the
network is cut off by the server after the lease. A renewal that fails marks the set
lost.

Keys. A key string maps to the 64-bit advisory lock id made of the first 8 bytes of its
BLAKE2b digest (``hashlib.blake2b(key.encode(), digest_size=8)``, read as a signed
big-endian integer). Two keys colliding would only make them share a lock.

Holder. The lock transaction sets ``application_name`` to ``opsgen:<owner>``, so a
waiter that times out reads the holder's execution id from ``pg_locks`` joined with
``pg_stat_activity``. There are no fencing tokens: the lock is tied to a live
transaction, and a holder that lost it finds its connection closed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

import psycopg
from psycopg import errors
from psycopg.pq import Escaping

from opsgen.runtime.locks.base import HeldLocks, LockBackend, LockTimeout, inherited_connections

logger = logging.getLogger(__name__)

APPLICATION_PREFIX = "opsgen:"

#: Idle connections kept open for the next acquisition.
POOL_SIZE = 8

HOLDER_QUERY = """
SELECT a.application_name
FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LIMIT 1
"""


def advisory_lock_id(key: str) -> int:
    """Return the signed 64-bit advisory lock id of ``key``."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def libpq_url(url: str) -> str:
    """Turn a SQLAlchemy URL (``postgresql+psycopg://``) into one libpq accepts."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"invalid PostgreSQL URL {url!r}: expected postgresql://user@host:port/database")
    return f"postgresql://{rest}"


class PostgresLockBackend(LockBackend):
    """Advisory locks in the PostgreSQL database at ``url``."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = libpq_url(url)
        self._pool: list[psycopg.Connection[Any]] = []
        self._pool_lock = threading.Lock()

    def holder(self, key: str) -> str | None:
        connection = self._checkout()
        try:
            owner = self._lookup_holder(connection, key)
        except psycopg.Error:
            connection.close()
            raise
        self._checkin(connection)
        return owner

    def close(self) -> None:
        super().close()
        with self._pool_lock:
            pool, self._pool = self._pool, []
        for connection in pool:
            connection.close()

    def _after_fork(self) -> None:
        super()._after_fork()
        inherited_connections.extend(self._pool)
        self._pool = []
        self._pool_lock = threading.Lock()

    def _checkout(self) -> psycopg.Connection[Any]:
        with self._pool_lock:
            if self._pool:
                return self._pool.pop()
        # Autocommit, because the backend sends BEGIN itself, together with the first
        # lock attempt, which saves a round trip per acquisition.
        return psycopg.connect(self.url, autocommit=True, connect_timeout=10)

    def _checkin(self, connection: psycopg.Connection[Any]) -> None:
        if connection.closed or connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            connection.close()
            return
        with self._pool_lock:
            if len(self._pool) < POOL_SIZE:
                self._pool.append(connection)
                return
        connection.close()

    def _acquire_ordered(self, keys: tuple[str, ...], *, timeout: float, lease: float, owner: str) -> HeldLocks:
        deadline = time.monotonic() + timeout
        connection = self._checkout()
        try:
            first_free = self._begin(connection, keys[0], owner, lease)
            for index, key in enumerate(keys):
                free = first_free if index == 0 else self._try(connection, key)
                if not free and not self._wait(connection, key, deadline):
                    connection.execute("ROLLBACK")
                    holder = self._lookup_holder(connection, key)
                    self._checkin(connection)
                    raise LockTimeout(key, holder, timeout)
        except psycopg.Error:
            connection.close()
            raise
        return HeldLocks(self, keys, owner, lease, state=connection)

    def _begin(self, connection: psycopg.Connection[Any], key: str, owner: str, lease: float) -> bool:
        """Open the lock transaction, name its owner, set its lease and try the first key.

        One simple-protocol query carries all of it. The two numbers are formatted as
        integers and the owner is quoted by libpq (``PQescapeLiteral``).
        """
        application_name = Escaping(connection.pgconn).escape_literal((APPLICATION_PREFIX + owner).encode())
        query = b"".join((
            b"BEGIN; SELECT pg_try_advisory_xact_lock(%d)," % advisory_lock_id(key),
            b" set_config('application_name', ", application_name, b", true),",
            b" set_config('idle_in_transaction_session_timeout', '%dms', true)" % max(1, int(lease * 1000)),
        ))
        cursor = connection.execute(query)
        cursor.nextset()
        row = cursor.fetchone()
        return row is not None and bool(row[0])

    def _try(self, connection: psycopg.Connection[Any], key: str) -> bool:
        row = connection.execute("SELECT pg_try_advisory_xact_lock(%s)", (advisory_lock_id(key),)).fetchone()
        return row is not None and bool(row[0])

    def _wait(self, connection: psycopg.Connection[Any], key: str, deadline: float) -> bool:
        """Wait in the server for ``key`` until ``deadline``; return ``False`` on timeout."""
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            return False
        # A savepoint keeps the keys taken so far when the wait times out.
        connection.execute("SAVEPOINT opsgen_lock_wait")
        try:
            connection.execute("SELECT set_config('lock_timeout', %s, true)", (f"{remaining_ms}ms",))
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_id(key),))
        except errors.LockNotAvailable:
            connection.execute("ROLLBACK TO SAVEPOINT opsgen_lock_wait")
            return False
        connection.execute("SELECT set_config('lock_timeout', '0', true)")
        connection.execute("RELEASE SAVEPOINT opsgen_lock_wait")
        return True

    def _lookup_holder(self, connection: psycopg.Connection[Any], key: str) -> str | None:
        unsigned = advisory_lock_id(key) & 0xFFFF_FFFF_FFFF_FFFF
        row = connection.execute(HOLDER_QUERY, (unsigned >> 32, unsigned & 0xFFFF_FFFF)).fetchone()
        if row is None or not str(row[0]).startswith(APPLICATION_PREFIX):
            return None
        return str(row[0])[len(APPLICATION_PREFIX):]

    def _release(self, held: HeldLocks) -> None:
        connection: psycopg.Connection[Any] = held.state
        try:
            connection.execute("COMMIT")
        except psycopg.Error as exc:
            logger.warning("releasing lock(s) %s of execution %s: %s", ", ".join(held.keys), held.owner, exc)
            connection.close()
            return
        self._checkin(connection)

    def _renew(self, held: HeldLocks) -> bool:
        connection: psycopg.Connection[Any] = held.state
        try:
            connection.execute("SELECT 1")
        except psycopg.Error as exc:
            logger.warning("lock connection of execution %s failed: %s", held.owner, exc)
            return False
        return True
