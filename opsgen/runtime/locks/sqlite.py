"""Locks in a SQLite table: the embedded default.

Each held key is a row of ``opsgen_locks`` with its owner, a fencing token, the wall
clock time its lease ends and the process that holds it. Taking one key is a single statement, and taking several is a
short ``BEGIN IMMEDIATE`` transaction. Both run on the backend's own connection, never
inside an operation's transaction, so a lock is visible to other processes as soon as it
is taken. The next acquirer replaces a row whose lease has ended, and an acquirer with
the same owner replaces a live one (a takeover of its own claim). An acquirer on the
same machine also replaces the row of a holder whose process has ended, without
waiting for the lease (:mod:`opsgen.runtime.locks.holders`). Fencing tokens come
from a one-row counter, so they grow across all keys, and every new holder of a key gets
a larger token than the last.

The tables and triggers are created on first use if missing (``IF NOT EXISTS``), and the
database is switched to WAL journaling so readers do not wait for lock writes.

Leases use ``time.time()``, so every process sharing the file must see the same clock:
one host, or hosts whose clocks agree to well within a lease.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from opsgen.runtime.database import enable_wal, is_sqlite_busy
from opsgen.runtime.locks.base import (
    Backoff,
    HeldLocks,
    LockBackend,
    LockTimeout,
    LockUnavailable,
    WaitHook,
    WaitNotice,
    inherited_connections,
)
from opsgen.runtime.locks.holders import holder_ended, process_identity

logger = logging.getLogger(__name__)

#: The lock table. WITHOUT ROWID keeps each row in the primary key's own B-tree: a
#: table with a rowid keeps a second one for a text key, and every take and release
#: would write a page of each.
LOCKS_TABLE = """
    CREATE TABLE IF NOT EXISTS {name} (
        key TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        token INTEGER NOT NULL,
        expires_at REAL NOT NULL,
        process TEXT
    ) WITHOUT ROWID
"""

SCHEMA = (
    LOCKS_TABLE.format(name="opsgen_locks"),
    """
    CREATE TABLE IF NOT EXISTS opsgen_lock_tokens (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_token INTEGER NOT NULL
    )
    """,
    "INSERT OR IGNORE INTO opsgen_lock_tokens (id, last_token) VALUES (1, 0)",
    # The counter follows every token written, inside the statement that writes it, so
    # taking one key is a single statement and needs no explicit transaction.
    """
    CREATE TRIGGER IF NOT EXISTS opsgen_locks_token_on_insert AFTER INSERT ON opsgen_locks
    BEGIN
        UPDATE opsgen_lock_tokens SET last_token = NEW.token WHERE id = 1;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS opsgen_locks_token_on_update AFTER UPDATE OF token ON opsgen_locks
    BEGIN
        UPDATE opsgen_lock_tokens SET last_token = NEW.token WHERE id = 1;
    END
    """,
)

#: Insert a lock row, or replace one whose lease has ended or that the same owner holds
#: (a takeover of its own claim); the token is the counter plus one.
TAKE_STATEMENT = """
INSERT INTO opsgen_locks (key, owner, token, expires_at, process)
VALUES (?, ?, (SELECT last_token + 1 FROM opsgen_lock_tokens WHERE id = 1), ?, ?)
ON CONFLICT (key) DO UPDATE
SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at, process = excluded.process
WHERE opsgen_locks.expires_at <= ? OR opsgen_locks.owner = excluded.owner
"""

#: :data:`TAKE_STATEMENT` returning the new token, for SQLite 3.35 and newer.
TAKE_RETURNING = TAKE_STATEMENT + " RETURNING token"

RELEASE_STATEMENT = "DELETE FROM opsgen_locks WHERE key = ? AND token = ?"

#: Replace the row of a holder whose process has ended, only if it is still that row.
TAKE_FROM_ENDED = """
UPDATE opsgen_locks
SET owner = ?, token = (SELECT last_token + 1 FROM opsgen_lock_tokens WHERE id = 1), expires_at = ?, process = ?
WHERE key = ? AND token = ?
"""

#: ``RETURNING`` needs SQLite 3.35; older libraries read the token back with a SELECT.
RETURNING_SUPPORTED = sqlite3.sqlite_version_info >= (3, 35)

#: Maximum seconds one statement waits for another process's write transaction to end.
#: Kept short because an acquisition that meets a busy file retries on its own schedule
#: and must not overrun its deadline by more than this.
BUSY_TIMEOUT = 0.25

#: Maximum seconds a release or a renewal keeps retrying while the file is busy.
WRITE_RETRY_LIMIT = 5.0

T = TypeVar("T")


def _rebuild_without_rowid(connection: sqlite3.Connection) -> None:
    """Move the rows of a lock table written by an earlier version into a WITHOUT ROWID table.

    Runs in the caller's transaction, so other processes see the old table or the new
    one, never neither. Rows from before holders were named get no process. The token
    counter is raised to the highest token in use, so tokens keep growing.
    """
    columns = {row[1] for row in connection.execute("PRAGMA table_info(opsgen_locks)")}
    process = "process" if "process" in columns else "NULL"
    connection.execute(LOCKS_TABLE.format(name="opsgen_locks_rebuilt"))
    connection.execute(
        "INSERT INTO opsgen_locks_rebuilt (key, owner, token, expires_at, process) "
        f"SELECT key, owner, token, expires_at, {process} FROM opsgen_locks"
    )
    connection.execute("DROP TABLE opsgen_locks")  # and its triggers
    connection.execute("ALTER TABLE opsgen_locks_rebuilt RENAME TO opsgen_locks")
    for statement in SCHEMA:
        if "CREATE TRIGGER" in statement:
            connection.execute(statement)
    connection.execute(
        "UPDATE opsgen_lock_tokens SET last_token = max(last_token, "
        "(SELECT coalesce(max(token), 0) FROM opsgen_locks)) WHERE id = 1"
    )


class SQLiteLockBackend(LockBackend):
    """Lock rows in the SQLite file at ``path``."""

    name = "sqlite"
    # A file that cannot be opened or written, or that is not a SQLite database. A busy
    # file is waited for instead.
    unavailable_errors = (sqlite3.DatabaseError,)
    unavailable_hint = (
        "check that the lock file's folder exists and that this process may write there, "
        "and that lock-url (or database-url, when lock-url is unset) names the right file"
    )

    def __init__(self, path: str) -> None:
        """Open the lock file at ``path``, creating it and its tables when missing.

        Raises :class:`LockUnavailable` when the file cannot be opened or written.
        """
        super().__init__()
        self.path = path
        self.location = f"sqlite:///{path}"
        self._connection_lock = threading.Lock()
        self._process = process_identity()
        try:
            self._connection = self._connect()
        except sqlite3.DatabaseError as exc:
            raise LockUnavailable(self, (), exc) from exc
        try:
            self._create_schema()
        except sqlite3.DatabaseError as exc:
            self._connection.close()
            raise LockUnavailable(self, (), exc) from exc

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        enable_wal(connection)
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _after_fork(self) -> None:
        # SQLite connections must not be used across fork(); open a new one.
        super()._after_fork()
        inherited_connections.append(self._connection)
        self._connection_lock = threading.Lock()
        self._connection = self._connect()
        self._process = process_identity()

    def _create_schema(self) -> None:
        def create(connection: sqlite3.Connection) -> None:
            for statement in SCHEMA:
                connection.execute(statement)
            (definition,) = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'opsgen_locks'"
            ).fetchone()
            if "WITHOUT ROWID" not in definition.upper():
                _rebuild_without_rowid(connection)

        self._write(create, retry_for=WRITE_RETRY_LIMIT)

    def _write(
        self, body: Callable[[sqlite3.Connection], T], *, retry_for: float = 0.0, transaction: bool = True
    ) -> T:
        """Run ``body`` in a ``BEGIN IMMEDIATE`` transaction and commit it.

        With ``transaction=False`` the body runs in autocommit mode, which suits a body
        with a single write statement: that statement is atomic on its own. While the
        file is busy, retries for up to ``retry_for`` seconds, then raises
        ``sqlite3.OperationalError``. Any error rolls the transaction back.
        """
        give_up_at = time.monotonic() + retry_for
        backoff = Backoff()
        while True:
            with self._connection_lock:
                connection = self._connection
                try:
                    if not transaction:
                        return body(connection)
                    connection.execute("BEGIN IMMEDIATE")
                    result = body(connection)
                    connection.execute("COMMIT")
                    return result
                except sqlite3.OperationalError as exc:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    if not is_sqlite_busy(exc) or time.monotonic() >= give_up_at:
                        raise
                except BaseException:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    raise
            backoff.sleep(give_up_at)

    def holder(self, key: str) -> str | None:
        with self._connection_lock:
            row = self._connection.execute(
                "SELECT owner FROM opsgen_locks WHERE key = ? AND expires_at > ?", (key, time.time())
            ).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        super().close()
        with self._connection_lock:
            self._connection.close()

    def _acquire_ordered(
        self, keys: tuple[str, ...], *, timeout: float, lease: float, owner: str, on_wait: WaitHook | None = None
    ) -> HeldLocks:
        tokens: dict[str, int] = {}
        holder = self._attempt(keys, tokens, lease, owner)
        if len(tokens) == len(keys):
            return HeldLocks(self, keys, owner, lease, tokens)
        # Only a call that has to wait pays for the bookkeeping of waiting.
        deadline = time.monotonic() + timeout
        notice = WaitNotice(on_wait, timeout)
        backoff = Backoff()
        while True:
            if holder is not None:
                notice.waiting(keys[len(tokens)])
            if not backoff.sleep(deadline):
                blocked = keys[len(tokens)]
                self._release_keys(tokens)
                raise LockTimeout(blocked, holder or self.holder(blocked), timeout)
            holder = self._attempt(keys, tokens, lease, owner)
            if len(tokens) == len(keys):
                return HeldLocks(self, keys, owner, lease, tokens)

    def _attempt(self, keys: tuple[str, ...], tokens: dict[str, int], lease: float, owner: str) -> str | None:
        """Take what :meth:`_take_free_prefix` can; a busy file counts as an unknown holder."""
        try:
            return self._take_free_prefix(keys, tokens, lease, owner)
        except sqlite3.OperationalError as exc:
            if not is_sqlite_busy(exc):
                raise
            # Another process held the file's write lock past the busy timeout.
            logger.debug("taking sqlite lock(s) for execution %s: %s", owner, exc)
            return None

    def _take_free_prefix(self, keys: tuple[str, ...], tokens: dict[str, int], lease: float, owner: str) -> str | None:
        """Take the keys after those in ``tokens`` while they are free, in one transaction.

        Fills ``tokens`` with each key taken; returns the owner of the first key that is
        held by someone else, or ``None`` when all were taken. One key is one statement
        in autocommit mode, which is atomic on its own.
        """
        if len(keys) - len(tokens) == 1:
            key = keys[-1]
            with self._connection_lock:
                token, holder = self._take(self._connection, key, owner, time.time(), lease)
            if token is not None:
                tokens[key] = token
            return holder

        taken: dict[str, int] = {}

        def take(connection: sqlite3.Connection) -> str | None:
            taken.clear()
            now = time.time()
            for key in keys[len(tokens):]:
                token, holder = self._take(connection, key, owner, now, lease)
                if token is None:
                    return holder
                taken[key] = token
            return None

        blocking_owner = self._write(take)
        tokens.update(taken)
        return blocking_owner

    def _take(
        self, connection: sqlite3.Connection, key: str, owner: str, now: float, lease: float
    ) -> tuple[int | None, str | None]:
        """Take ``key`` if it is free, its lease has ended or its holder's process has ended.

        Returns the new fencing token, or ``None`` and the owner holding the key.
        """
        token = self._insert_or_take_over(connection, key, owner, now, lease)
        if token is not None:
            return token, None
        return self._take_from_ended(connection, key, owner, now + lease, self._process)

    def _take_from_ended(
        self, connection: sqlite3.Connection, key: str, owner: str, expires_at: float, process: str | None
    ) -> tuple[int | None, str | None]:
        """Take ``key`` from a holder whose process on this machine has ended.

        Returns the new fencing token, or ``None`` and the owner of the row (``None``
        for a row that has gone meanwhile).
        """
        row = connection.execute("SELECT owner, token, process FROM opsgen_locks WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None, None
        holder, held_token, held_by = str(row[0]), int(row[1]), row[2]
        if not holder_ended(held_by):
            return None, holder
        if connection.execute(TAKE_FROM_ENDED, (owner, expires_at, process, key, held_token)).rowcount == 0:
            return None, holder  # another contender was first
        (token,) = connection.execute("SELECT token FROM opsgen_locks WHERE key = ?", (key,)).fetchone()
        logger.warning("execution %s took lock %s over from execution %s, whose process on this machine "
                       "has ended (before its lease ran out)", owner, key, holder)
        return int(token), None

    def _insert_or_take_over(
        self, connection: sqlite3.Connection, key: str, owner: str, now: float, lease: float
    ) -> int | None:
        """Write the lock row unless a live one exists; return the new fencing token, or ``None``."""
        parameters = (key, owner, now + lease, self._process, now)
        if RETURNING_SUPPORTED:
            row = connection.execute(TAKE_RETURNING, parameters).fetchone()
            return None if row is None else int(row[0])
        if connection.execute(TAKE_STATEMENT, parameters).rowcount == 0:
            return None
        (token,) = connection.execute("SELECT token FROM opsgen_locks WHERE key = ?", (key,)).fetchone()
        return int(token)

    def _release(self, held: HeldLocks) -> None:
        self._release_keys(held.fencing_tokens)

    def _release_keys(self, tokens: Mapping[str, int]) -> None:
        if not tokens:
            return
        if len(tokens) == 1:
            # One statement in autocommit mode; only a busy file takes the retrying path.
            ((key, token),) = tokens.items()
            with self._connection_lock:
                try:
                    self._connection.execute(RELEASE_STATEMENT, (key, token))
                    return
                except sqlite3.OperationalError as exc:
                    if not is_sqlite_busy(exc):
                        raise

        def delete(connection: sqlite3.Connection) -> None:
            for key in reversed(list(tokens)):
                connection.execute(RELEASE_STATEMENT, (key, tokens[key]))

        self._write(delete, retry_for=WRITE_RETRY_LIMIT, transaction=len(tokens) > 1)

    def _renew(self, held: HeldLocks) -> bool:
        def extend(connection: sqlite3.Connection) -> int:
            expires_at = time.time() + held.lease
            renewed = 0
            for key, token in held.fencing_tokens.items():
                cursor = connection.execute(
                    "UPDATE opsgen_locks SET expires_at = ? WHERE key = ? AND token = ?", (expires_at, key, token)
                )
                renewed += cursor.rowcount
            return renewed

        renewed = self._write(extend, retry_for=WRITE_RETRY_LIMIT, transaction=len(held.fencing_tokens) > 1)
        return renewed == len(held.fencing_tokens)
