"""Live state of executions on SQLite, in a file beside the application's database.

SQLite allows one writer per database file. While an operation holds the write
transaction of the application's file, every other connection that writes there waits
until it commits. A running marker, a progress update or the record of a call that a
singleton turned away would then show only after the operation ended, and its writer
would stall. So for a SQLite database ``DIR/NAME.db`` the runtime keeps the state that
must be visible while operations run in ``DIR/NAME.live.db`` (WAL journaling), table
``opsgen_live``, with the columns of ``opsgen_executions``:

- running markers: one row per execution while it runs, with its progress. The marker
  is written before the operation's code runs, in a short transaction on this file
  (which no operation holds), so a call killed at any point leaves a trace that
  readers turn into an ``abandoned`` record. A background thread writes the progress
  and removes the markers of finished calls, in batches;
- staged records: final records that could not be written to the execution log at once
  because another transaction held the writer. They are written to this file before
  the call returns, and a background thread moves them into the log as soon as the
  writer is free. :meth:`LiveStore.close` (also run at interpreter exit) moves what is
  left, waiting for the writer; a staged record left by a killed process is moved by
  the next process that reads or writes the log.

Readers (:class:`~opsgen.runtime.store.ExecutionStore`) merge these rows with the log:
a final status in the log wins over a running marker, and a staged final record wins
over a ``pending`` or ``running`` row of the log.

Neither a late marker write nor a marker removal can touch a staged record: markers are
upserted and deleted only while the row's status is ``running``.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, delete, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from opsgen.runtime.database import SQLITE_BUSY_TIMEOUT, create_runtime_engine
from opsgen.runtime.schema import ExecutionStatus, executions

logger = logging.getLogger(__name__)

RUNNING = ExecutionStatus.running.value

#: Statuses of a log row that a live row of the same execution overrides.
UNFINISHED = (ExecutionStatus.pending.value, RUNNING)

#: Seconds a write to the execution log waits for SQLite's writer before the record is
#: staged instead. Long enough to ride out a short commit of another connection.
PROMPT_WRITE_TIMEOUT = 0.05

#: Seconds between attempts to move staged records while the log's writer is busy.
MOVE_RETRY_INTERVAL = 0.2

#: Seconds a finished execution's marker may stay in the file, so that the removals of
#: many short calls share one write. Readers let the log's final record win meanwhile.
REMOVAL_DELAY = 0.2

_live_metadata = MetaData()

#: The live table: the columns and indexes of ``opsgen_executions`` under another name.
live_executions = executions.to_metadata(_live_metadata, name="opsgen_live")

_COLUMNS = tuple(column.name for column in executions.columns)
assert _COLUMNS[0] == "id", "the marker upsert below sets every column after the first, the id"


def live_path_for(engine: Engine) -> Path | None:
    """Return the live file of a SQLite file database, ``None`` for other databases.

    An in-memory database is seen by one process only, so it needs no live file.
    """
    url = make_url(engine.url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = Path(url.database)
    return database.with_name(f"{database.stem}.live{database.suffix or '.db'}")


class LiveStore:
    """Running markers, progress and staged records of one SQLite execution log.

    Thread-safe. One background thread per store writes the markers and moves staged
    records; it starts on first use and again in a forked child.
    """

    def __init__(self, path: Path, log_engine: Engine) -> None:
        self.path = path
        self.log_engine = log_engine
        self._condition = threading.Condition()
        self._engine: Engine | None = None
        #: Lock taken while the first connection creates the table, so no thread uses the engine earlier.
        self._engine_lock = threading.Lock()
        #: Current column values of the markers of this process's running executions.
        self._markers: dict[str, dict[str, Any]] = {}
        #: Ids whose marker changed since the thread last wrote it.
        self._dirty: set[str] = set()
        #: Monotonic times at which the delayed markers not written yet are due, by id.
        self._queued: dict[str, float] = {}
        #: Monotonic time at which the queued removals are due.
        self._removals_due = 0.0
        #: Number of :meth:`flush` calls waiting; while positive, removals are due at once.
        self._flushing = 0
        #: Monotonic time at which the sleeping thread wakes on its own (infinite: never).
        self._wake_at = math.inf
        #: Ids whose marker is in the file and must be deleted.
        self._removals: set[str] = set()
        #: Ids whose marker the thread has written to the file.
        self._written: set[str] = set()
        self._staged = False
        #: Whether this process staged a record, so that closing must wait to move it.
        self._staged_here = False
        self._writing = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        #: The ``sqlite3`` connection of marker writes, guarded by ``_file_lock``.
        self._file_lock = threading.Lock()
        self._raw: sqlite3.Connection | None = None
        self._raw_pid = 0
        self._processors: list[Any] = []
        _stores.add(self)

    # Writers

    def mark_running(self, values: Mapping[str, Any], *, delay: float = 0.0) -> None:
        """Write the running marker of an execution, now or once ``delay`` seconds have passed.

        Without a delay the marker is in the file when this returns, and a file that
        cannot be written raises. With one, the background thread writes it when due,
        unless the execution has finished by then (see :meth:`forget`).
        """
        execution_id = str(values["id"])
        with self._condition:
            # A marker already in the file (a call that waited for its locks) changes at once.
            immediate = delay <= 0 or execution_id in self._written
            # Stored before the write, so that a thread writing an older version of this
            # marker meanwhile finds it changed and writes it again.
            self._markers[execution_id] = dict(values)
            if immediate:
                self._queued.pop(execution_id, None)
            else:
                due = time.monotonic() + delay
                self._queued[execution_id] = due
                # A thread that wakes before the marker is due needs no notification.
                self._wake(notify=due < self._wake_at)
        if immediate:
            self._write_file([values], [])
            with self._condition:
                self._written.add(execution_id)

    def tracks(self, execution_id: str) -> bool:
        """Return whether this process holds a running marker for ``execution_id``."""
        with self._condition:
            return execution_id in self._markers

    def update_progress(self, execution_id: str, columns: Mapping[str, Any]) -> None:
        """Queue new progress columns for a running marker; ignored once the marker is gone."""
        with self._condition:
            marker = self._markers.get(execution_id)
            if marker is None:
                return
            marker.update(columns)
            self._dirty.add(execution_id)
            self._wake()

    def forget(self, execution_id: str) -> None:
        """Remove the running marker of a finished execution whose final record is stored."""
        with self._condition:
            if self._markers.pop(execution_id, None) is None:
                return
            self._dirty.discard(execution_id)
            self._queued.pop(execution_id, None)
            if execution_id in self._written:
                if not self._removals:
                    self._removals_due = time.monotonic() + REMOVAL_DELAY
                self._removals.add(execution_id)
                # A thread that wakes before the removal is due needs no notification.
                self._wake(notify=self._removals_due < self._wake_at)

    def stage(self, values: Mapping[str, Any]) -> None:
        """Write a final record to the live file now; the background thread moves it into the log.

        Raises when the live file cannot be written, so the caller knows the record is
        not stored anywhere.
        """
        row = {column: values.get(column) for column in _COLUMNS}
        with self._connect() as connection:
            statement = sqlite_insert(live_executions).values(row)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[live_executions.c.id],
                    set_={column: statement.excluded[column] for column in _COLUMNS if column != "id"},
                )
            )
        execution_id = str(row["id"])
        with self._condition:
            self._markers.pop(execution_id, None)
            self._dirty.discard(execution_id)
            self._queued.pop(execution_id, None)
            self._written.discard(execution_id)
            self._staged = True
            self._staged_here = True
            self._wake()
        logger.debug("execution %s: the execution log was busy, so its %s record waits in %s",
                    execution_id, row["status"], self.path)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until this process's queued marker writes are in the file; return whether they are."""
        with self._condition:
            if not (self._dirty or self._queued or self._removals or self._writing):
                return True
            self._flushing += 1
            try:
                self._wake()
                return self._condition.wait_for(
                    lambda: not (self._dirty or self._queued or self._removals or self._writing), timeout
                )
            finally:
                self._flushing -= 1

    def close(self, timeout: float = SQLITE_BUSY_TIMEOUT) -> None:
        """Write what is queued, move staged records into the log (waiting for its writer), stop the thread.

        The store stays usable: the next write starts a new thread.
        """
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
            thread = self._thread if self._thread_pid == os.getpid() else None
        if thread is not None:
            thread.join(timeout)
        with self._condition:
            self._thread = None
            self._stopping = False
        try:
            self._write_markers(all_removals=True)
            if self._staged_here:
                self.move_staged(wait=timeout)
        except (OperationalError, sqlite3.Error):
            logger.exception("execution records stay in %s; the next process that reads the log moves them",
                             self.path)
        finally:
            with self._file_lock:
                if self._raw is not None and self._raw_pid == os.getpid():
                    self._raw.close()
                self._raw = None
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    # Readers

    def rows(self, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Return the rows of the live file, or those with the given ids; none without a file."""
        if not self.path.exists():
            return []
        query = select(live_executions)
        if ids is not None:
            query = query.where(live_executions.c.id.in_(list(ids)))
        with self._connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    # Moving staged records

    def move_staged(self, *, wait: float = PROMPT_WRITE_TIMEOUT) -> list[dict[str, Any]]:
        """Move staged records and abandoned markers into the log; return the rows moved.

        A marker of this host whose process has ended becomes an ``abandoned`` record.
        Waits up to ``wait`` seconds for the log's writer; raises ``OperationalError``
        when it stays busy, leaving the records staged.
        """
        from opsgen.runtime.locks.abandoned import is_abandoned

        rows = self.rows()
        moving = [row for row in rows if row["status"] != RUNNING]
        for row in rows:
            if row["status"] == RUNNING and row.get("pid") != os.getpid() and is_abandoned(row):
                moving.append(abandoned_row(row))
        if not moving:
            with self._condition:
                self._staged = False
            return []

        with write_soon(self.log_engine, wait) as connection:
            store_final_rows(connection, moving)
        with self._connect() as connection:
            removed = connection.execute(
                delete(live_executions).where(live_executions.c.id.in_([row["id"] for row in moving]))
            ).rowcount
        # Another thread or process may have moved the same rows first; only the one
        # that removed them reports it. Routine housekeeping, so at debug level.
        if removed:
            logger.debug("moved %d of the execution records staged in %s into the execution log", removed, self.path)
        return moving

    # The background thread

    def _wake(self, *, notify: bool = True) -> None:
        """Start the thread if this process has none, and notify it (holding the condition)."""
        if self._thread is None or self._thread_pid != os.getpid():
            self._thread = threading.Thread(target=self._run, name="opsgen-live-writer", daemon=True)
            self._thread_pid = os.getpid()
            self._thread.start()
        if notify:
            self._condition.notify_all()

    def _next_deadline(self) -> float | None:
        """Return the monotonic time at which a write is due, ``None`` for nothing queued.

        Called holding the condition.
        """
        if self._dirty or self._stopping or self._flushing:
            return 0.0
        due = [self._removals_due] if self._removals else []
        if self._queued:
            due.append(min(self._queued.values()))
        return min(due, default=None)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopping:
                    deadline = self._next_deadline()
                    now = time.monotonic()
                    if deadline is not None and deadline <= now:
                        break
                    if self._staged:
                        # Retry the move at least every MOVE_RETRY_INTERVAL.
                        retry = now + MOVE_RETRY_INTERVAL
                        self._sleep(retry if deadline is None else min(deadline, retry))
                        break
                    self._sleep(deadline)
                if self._stopping:
                    return
            try:
                self._write_markers()
            except Exception:  # noqa: BLE001 - markers are shown, never required; keep the thread alive
                logger.exception("writing running markers to %s failed", self.path)
            if self._staged:
                try:
                    self.move_staged()
                except OperationalError as exc:
                    logger.debug("the execution log is busy; staged records stay in %s: %s", self.path, exc)
                except Exception:  # noqa: BLE001 - the next attempt or the next process moves them
                    logger.exception("moving staged execution records from %s failed", self.path)
                    with self._condition:
                        self._sleep(time.monotonic() + MOVE_RETRY_INTERVAL)

    def _sleep(self, deadline: float | None) -> None:
        """Wait for a notification or until the monotonic ``deadline``, holding the condition."""
        self._wake_at = math.inf if deadline is None else deadline
        try:
            self._condition.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        finally:
            self._wake_at = 0.0

    def _write_markers(self, *, all_removals: bool = False) -> None:
        """Upsert the changed markers and delete the removed ones that are due, in one transaction."""
        with self._condition:
            now = time.monotonic()
            every = all_removals or self._flushing or self._stopping
            due = [execution_id for execution_id, at in self._queued.items() if every or at <= now]
            for execution_id in due:
                del self._queued[execution_id]
            rows = [dict(self._markers[execution_id]) for execution_id in self._dirty.union(due)]
            removals_due = every or self._removals_due <= now
            removals = list(self._removals) if removals_due else []
            self._dirty.clear()
            if removals_due:
                self._removals.clear()
            self._writing = bool(rows or removals)
        if not self._writing:
            return
        try:
            self._write_file(rows, removals)
        finally:
            with self._condition:
                self._written.update(row["id"] for row in rows)
                self._written.difference_update(removals)
                for row in rows:
                    current = self._markers.get(row["id"])
                    if current is None:
                        # A marker forgotten while it was being written must go again.
                        self._removals.add(row["id"])
                    elif current != row:
                        # One that changed meanwhile is written again, so the file ends current.
                        self._dirty.add(row["id"])
                self._writing = False
                self._condition.notify_all()

    def _write_file(self, markers: Iterable[Mapping[str, Any]], removals: list[str]) -> None:
        """Upsert ``markers`` and delete the running markers of ``removals`` in one transaction.

        This is the hot path of every call, so it runs a statement compiled once on a
        ``sqlite3`` connection of its own, with SQLAlchemy's type processing of each column.
        """
        with self._file_lock:
            if self._raw is None or self._raw_pid != os.getpid():
                with self._connect():
                    pass  # creates the file and the table
                assert self._engine is not None
                dialect = self._engine.dialect
                self._processors = [
                    column.type.dialect_impl(dialect).bind_processor(dialect) for column in live_executions.columns
                ]
                raw = sqlite3.connect(
                    str(self.path), timeout=SQLITE_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
                )
                raw.execute("PRAGMA synchronous=NORMAL")
                self._raw, self._raw_pid = raw, os.getpid()
            raw = self._raw
            raw.execute("BEGIN IMMEDIATE")
            try:
                for marker in markers:
                    parameters = [
                        value if process is None else process(value)
                        for value, process in zip((marker.get(name) for name in _COLUMNS), self._processors)
                    ]
                    raw.execute(_MARKER_UPSERT, parameters)
                if removals:
                    raw.executemany(_MARKER_DELETE, [(execution_id,) for execution_id in removals])
                raw.execute("COMMIT")
            except BaseException:
                raw.execute("ROLLBACK")
                raise

    def _connect(self) -> AbstractContextManager[Connection]:
        engine = self._engine
        if engine is None:
            with self._engine_lock:
                engine = self._engine
                if engine is None:
                    # Published only once the table exists: a reader in another thread
                    # that saw the engine earlier would query a file without the table.
                    engine = _live_engine(self.path)
                    _live_metadata.create_all(engine)
                    self._engine = engine
        return engine.begin()

    def _reset_after_fork(self) -> None:
        self._condition = threading.Condition()
        self._markers.clear()
        self._dirty.clear()
        self._queued.clear()
        self._flushing = 0
        self._removals.clear()
        self._written.clear()
        self._writing = False
        self._thread = None
        self._engine = None
        self._engine_lock = threading.Lock()
        self._file_lock = threading.Lock()
        if self._raw is not None:
            # Closing the parent's SQLite connection in a child could disturb the
            # parent's locks on the file, so the child only drops it.
            _inherited.append(self._raw)
            self._raw = None


def _live_engine(path: Path) -> Engine:
    """Create the engine of a live file: WAL, and ``BEGIN IMMEDIATE`` for every transaction.

    Taking the writer at ``BEGIN`` makes a busy file wait through the busy timeout. A
    deferred transaction that reads and then writes (as ``create_all`` does) fails at
    once instead when another process wrote in between.
    """
    return create_runtime_engine(f"sqlite:///{path}", sqlite_begin="BEGIN IMMEDIATE")


#: Upsert of a running marker; a row with another status (a staged record) is kept.
_MARKER_UPSERT = (
    f"INSERT INTO opsgen_live ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{name} = excluded.{name}' for name in _COLUMNS[1:])} "
    f"WHERE opsgen_live.status = '{RUNNING}'"
)

_MARKER_DELETE = f"DELETE FROM opsgen_live WHERE id = ? AND status = '{RUNNING}'"

#: Connections inherited from a parent process, kept open on purpose (see ``_reset_after_fork``).
_inherited: list[sqlite3.Connection] = []


def store_final_rows(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Write rows into the log where their row is missing or behind them; return the ids written.

    A final or running row replaces a ``pending`` or ``running`` one, and a ``pending``
    row (a queued call staged while the log was busy) only a ``pending`` one: a worker
    may have claimed the call meanwhile. A final record already in the log always wins.
    """
    written: list[str] = []
    for row in rows:
        changes = {key: value for key, value in row.items() if key != "id"}
        behind = (ExecutionStatus.pending.value,) if row.get("status") == ExecutionStatus.pending.value else UNFINISHED
        updated = connection.execute(
            update(executions).where(executions.c.id == row["id"], executions.c.status.in_(behind)).values(changes)
        ).rowcount
        if updated:
            written.append(str(row["id"]))
            continue
        exists = connection.execute(select(executions.c.id).where(executions.c.id == row["id"])).first()
        if exists is None:
            connection.execute(insert(executions).values(dict(row)))
            written.append(str(row["id"]))
    return written


def abandoned_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return the final record of a running marker whose process ended."""
    from opsgen.runtime.store import utcnow

    return {
        **row,
        "status": ExecutionStatus.abandoned.value,
        "error_code": "abandoned",
        "error_message": f"process {row['pid']} on {row['host']} ended before the execution finished",
        "finished_at": utcnow(),
    }


@contextmanager
def write_soon(engine: Engine, wait: float) -> Iterator[Connection]:
    """Open a write transaction on a SQLite log that waits at most ``wait`` seconds for the writer.

    The first write raises ``OperationalError`` ("database is locked") when another
    connection holds the writer for longer; the transaction then rolls back.
    """
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            with connection.begin():
                yield connection
        finally:
            driver.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT * 1000)}")


_stores: weakref.WeakSet[LiveStore] = weakref.WeakSet()


def _close_all() -> None:
    for store in list(_stores):
        store.close()


def _reset_all_after_fork() -> None:
    for store in list(_stores):
        store._reset_after_fork()


atexit.register(_close_all)
os.register_at_fork(after_in_child=_reset_all_after_fork)
