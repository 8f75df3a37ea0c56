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

Holder. Every statement of the lock transaction ends with the comment
``/* opsgen-owner: <owner> */``, and PostgreSQL shows the last statement of each session
in ``pg_stat_activity.query``. A waiter that times out finds the holder's session in
``pg_locks`` and reads the execution id from that comment. This needs the waiter to see
other sessions' queries (the same role, or ``pg_read_all_stats``) and
``track_activities`` on; otherwise the holder is reported as unknown. Setting
``application_name`` instead made each acquisition about a third slower in
``benchmarks/bench_locks.py``, because the server reports every change of it to the
client.

Takeover. When the session holding a key names the same owner as the acquirer (an
earlier attempt of the same execution that hangs or was stopped), the acquirer ends that
session with ``pg_terminate_backend`` and takes the key at once. That needs the right to
signal the session (the same role, or ``pg_signal_backend``); without it the acquirer
waits as for any other holder. There are no fencing tokens: the lock is tied to a live
transaction, and a holder that lost it finds its connection closed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from typing import Any

import psycopg
from psycopg import errors
from psycopg.pq import ExecStatus
from psycopg.pq.abc import PGresult

from opsgen.runtime.database_url import hide_password
from opsgen.runtime.locks.base import HeldLocks, LockBackend, LockTimeout, WaitHook, WaitNotice, inherited_connections

logger = logging.getLogger(__name__)

#: Marks the owner in a comment of every statement of a lock transaction.
OWNER_COMMENT = re.compile(r"/\* opsgen-owner: (\S+) \*/")

#: Idle connections kept open for the next acquisition.
POOL_SIZE = 8

HOLDER_QUERY = """
SELECT a.query
FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LIMIT 1
"""


HOLDER_PID_QUERY = HOLDER_QUERY.replace("SELECT a.query", "SELECT a.pid, a.query")


def advisory_lock_id(key: str) -> int:
    """Return the signed 64-bit advisory lock id of ``key``."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def comment_safe(owner: str) -> str:
    """Return ``owner`` as the comment shows it: characters outside ``[A-Za-z0-9._:@-]`` become ``?``."""
    return re.sub(r"[^A-Za-z0-9._:@-]", "?", owner)[:200]


def owner_comment(owner: str) -> bytes:
    """Return the SQL comment that names ``owner``."""
    return f" /* opsgen-owner: {comment_safe(owner)} */".encode()


def run_simple(connection: psycopg.Connection[Any], query: bytes, expected: ExecStatus) -> PGresult:
    """Run ``query`` with libpq's ``PQexec`` and return the result of its last statement.

    The two statements of every acquisition and release go through here rather than a
    psycopg cursor, which roughly halves the client-side cost of the hot path. Raises
    ``psycopg.OperationalError`` with the server's message when the status is not
    ``expected``.
    """
    result = connection.pgconn.exec_(query)
    if result.status != expected:
        message = (result.error_message or connection.pgconn.error_message).decode(errors="replace").strip()
        raise psycopg.OperationalError(f"{query.decode(errors='replace')[:80]!r} failed: {message}")
    return result


def libpq_url(url: str) -> str:
    """Turn a SQLAlchemy URL (``postgresql+psycopg://``) into one libpq accepts."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"invalid PostgreSQL URL {url!r}: expected postgresql://user@host:port/database")
    return f"postgresql://{rest}"


class PostgresLockBackend(LockBackend):
    """Advisory locks in the PostgreSQL database at ``url``."""

    name = "postgresql"
    # A refused or lost connection. A lock wait that times out (LockNotAvailable, also an
    # OperationalError) never gets this far: _wait turns it into a LockTimeout.
    unavailable_errors = (psycopg.OperationalError,)
    unavailable_hint = (
        "check that the PostgreSQL server is running and accepts connections from this host, "
        "and that lock-url (or database-url, when lock-url is unset) names it"
    )

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = libpq_url(url)
        self.location = hide_password(url)
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
        pooled = self._pooled()
        return pooled if pooled is not None else self._connect()

    def _pooled(self) -> psycopg.Connection[Any] | None:
        with self._pool_lock:
            return self._pool.pop() if self._pool else None

    def _connect(self) -> psycopg.Connection[Any]:
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

    def _acquire_ordered(
        self, keys: tuple[str, ...], *, timeout: float, lease: float, owner: str, on_wait: WaitHook | None = None
    ) -> HeldLocks:
        deadline = time.monotonic() + timeout
        notice = WaitNotice(on_wait, timeout)
        connection, first_free = self._begin_on_live_connection(keys[0], owner, lease)
        try:
            for index, key in enumerate(keys):
                free = first_free if index == 0 else self._try(connection, key, owner)
                if not free and self._end_own_holder(connection, key, owner):
                    free = self._try(connection, key, owner)
                if free:
                    continue
                notice.waiting(key)
                if not self._wait(connection, key, owner, deadline):
                    connection.execute("ROLLBACK")
                    holder = self._lookup_holder(connection, key)
                    self._checkin(connection)
                    raise LockTimeout(key, holder, timeout)
        except psycopg.Error:
            connection.close()
            raise
        return HeldLocks(self, keys, owner, lease, state=connection)

    def _begin_on_live_connection(self, key: str, owner: str, lease: float) -> tuple[psycopg.Connection[Any], bool]:
        """Open the lock transaction with :meth:`_begin`; return its connection and whether ``key`` was free.

        A pooled connection whose session the server has ended since its last use (a
        server restart, ``pg_terminate_backend``, an idle timeout) fails at its first
        statement. It is closed and the next one is tried, down to a new connection,
        whose failure is raised.
        """
        while True:
            connection = self._pooled()
            pooled = connection is not None
            if connection is None:
                connection = self._connect()
            try:
                return connection, self._begin(connection, key, owner, lease)
            except psycopg.Error:
                connection.close()
                if not pooled:
                    raise

    def _begin(self, connection: psycopg.Connection[Any], key: str, owner: str, lease: float) -> bool:
        """Open the lock transaction, name its owner, set its lease and try the first key.

        One simple-protocol query carries all of it. The two numbers are formatted as
        integers, and the owner goes into a comment with every unsafe character replaced.
        """
        query = b"".join((
            b"BEGIN; SELECT pg_try_advisory_xact_lock(%d)," % advisory_lock_id(key),
            b" set_config('idle_in_transaction_session_timeout', '%dms', true)" % max(1, int(lease * 1000)),
            owner_comment(owner),
        ))
        result = run_simple(connection, query, ExecStatus.TUPLES_OK)
        return result.get_value(0, 0) == b"t"

    def _try(self, connection: psycopg.Connection[Any], key: str, owner: str) -> bool:
        query = b"SELECT pg_try_advisory_xact_lock(%s)" + owner_comment(owner)
        row = connection.execute(query, (advisory_lock_id(key),)).fetchone()
        return row is not None and bool(row[0])

    def _wait(self, connection: psycopg.Connection[Any], key: str, owner: str, deadline: float) -> bool:
        """Wait in the server for ``key`` until ``deadline``; return ``False`` on timeout."""
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            return False
        comment = owner_comment(owner)
        # A savepoint keeps the keys taken so far when the wait times out.
        connection.execute(b"SAVEPOINT opsgen_lock_wait" + comment)
        try:
            connection.execute(b"SELECT set_config('lock_timeout', %s, true)" + comment, (f"{remaining_ms}ms",))
            connection.execute(b"SELECT pg_advisory_xact_lock(%s)" + comment, (advisory_lock_id(key),))
        except errors.LockNotAvailable:
            connection.execute(b"ROLLBACK TO SAVEPOINT opsgen_lock_wait" + comment)
            return False
        connection.execute(b"SELECT set_config('lock_timeout', '0', true)" + comment)
        connection.execute(b"RELEASE SAVEPOINT opsgen_lock_wait" + comment)
        return True

    def _end_own_holder(self, connection: psycopg.Connection[Any], key: str, owner: str) -> bool:
        """Close the session that holds ``key`` for this same ``owner``: a takeover of its own claim.

        The session belongs to an earlier attempt of the same execution, one that hangs
        or whose process was stopped. Returns whether such a session was ended. When the
        role may not end it, the key is left to the normal wait.
        """
        unsigned = advisory_lock_id(key) & 0xFFFF_FFFF_FFFF_FFFF
        row = connection.execute(HOLDER_PID_QUERY, (unsigned >> 32, unsigned & 0xFFFF_FFFF)).fetchone()
        match = OWNER_COMMENT.search(str(row[1])) if row is not None else None
        if row is None or match is None or match.group(1) != comment_safe(owner):
            return False
        comment = owner_comment(owner)
        connection.execute(b"SAVEPOINT opsgen_lock_takeover" + comment)
        try:
            # Waits up to 5 s for the session to exit, which frees its locks.
            ended = connection.execute(b"SELECT pg_terminate_backend(%s, 5000)" + comment, (row[0],)).fetchone()
        except psycopg.errors.InsufficientPrivilege as exc:
            connection.execute(b"ROLLBACK TO SAVEPOINT opsgen_lock_takeover" + comment)
            logger.warning("execution %s cannot take over lock %r from its earlier session: %s", owner, key, exc)
            return False
        connection.execute(b"RELEASE SAVEPOINT opsgen_lock_takeover" + comment)
        logger.info("execution %s took over lock %r from its earlier session (pid %s)", owner, key, row[0])
        return ended is not None and bool(ended[0])

    def _lookup_holder(self, connection: psycopg.Connection[Any], key: str) -> str | None:
        unsigned = advisory_lock_id(key) & 0xFFFF_FFFF_FFFF_FFFF
        row = connection.execute(HOLDER_QUERY, (unsigned >> 32, unsigned & 0xFFFF_FFFF)).fetchone()
        match = OWNER_COMMENT.search(str(row[0])) if row is not None else None
        return match.group(1) if match else None

    def _release(self, held: HeldLocks) -> None:
        connection: psycopg.Connection[Any] = held.state
        try:
            run_simple(connection, b"COMMIT", ExecStatus.COMMAND_OK)
        except psycopg.Error as exc:
            logger.warning("releasing lock(s) %s of execution %s: %s", ", ".join(held.keys), held.owner, exc)
            connection.close()
            return
        self._checkin(connection)

    def _renew(self, held: HeldLocks) -> bool:
        connection: psycopg.Connection[Any] = held.state
        try:
            connection.execute(b"SELECT 1" + owner_comment(held.owner))
        except psycopg.Error as exc:
            logger.warning("lock connection of execution %s failed: %s", held.owner, exc)
            return False
        return True
