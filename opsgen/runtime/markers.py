"""Delayed running markers for a PostgreSQL execution log.

A running marker is the record's row with status ``running``, inserted so that other
processes and hosts see the call while it runs. Inserting it before every call would
cost a commit of its own, so :class:`DelayedMarkers` inserts it from a background
thread once the call has run for a short delay, and a call that ends sooner never
writes one. The in-flight journal (:mod:`opsgen.runtime.journal`) is what keeps a
trace of a call killed in between.

The marker insert updates an existing row only while that row is running: the final
record, written with an upsert by the call itself, always wins, whichever of the two
commits first. A call that waits for its locks gets a marker that says so (see
:func:`opsgen.runtime.pipeline.announce_wait`), replaced once the call runs.

Each marker carries a lease (``lease_expires_at``), which the same thread renews while
the call runs. A reader on any host takes a running record whose lease has expired for
abandoned, so a call whose host died is found too, not only one whose process died on
the reader's host (:mod:`opsgen.runtime.locks.abandoned`). Calls without a transaction
write their marker at once (:meth:`DelayedMarkers.insert_now`) and get the same lease.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, bindparam, insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from opsgen.runtime.database import begin_unflushed
from opsgen.runtime.record_sql import insert_record
from opsgen.runtime.schema import ExecutionStatus, executions

logger = logging.getLogger(__name__)


_COLUMNS = tuple(column.name for column in executions.columns)
_NEW_MARKER = postgresql_insert(executions)
# A running record is brought up to date (a call that waited for its locks now runs);
# a final record is left alone.
_INSERT_MARKER = _NEW_MARKER.on_conflict_do_update(
    index_elements=[executions.c.id],
    set_={name: _NEW_MARKER.excluded[name] for name in _COLUMNS if name != "id"},
    where=executions.c.status == ExecutionStatus.running.value,
)
_RENEW = (
    update(executions)
    .where(executions.c.id.in_(bindparam("ids", expanding=True)),
           executions.c.status == ExecutionStatus.running.value)
    .values(lease_expires_at=bindparam("until"))
)

#: Seconds a running marker stays valid without renewal. The writer renews the markers
#: of the calls still running every third of it, and a reader on any host takes a
#: running record whose lease expired for abandoned.
MARKER_LEASE = 60.0


class DelayedMarkers:
    """Running markers of one PostgreSQL log: written when due, renewed while their calls run.

    One background thread per process does both. Thread-safe.
    """

    def __init__(self, engine: Engine, lease: float = MARKER_LEASE) -> None:
        self.engine = engine
        self.lease = lease
        self._condition = threading.Condition()
        #: Marker rows not written yet, and the monotonic times they are due, by id.
        self._queued: dict[str, tuple[float, dict[str, Any]]] = {}
        #: Ids of the calls with a marker, written or queued, that have not ended.
        self._active: set[str] = set()
        #: Ids of those whose marker is in the log, so its lease needs renewing.
        self._written: set[str] = set()
        #: The newest marker row of each active call, for :meth:`_insert` to tell a
        #: row that changed while it was being written.
        self._latest: dict[str, dict[str, Any]] = {}
        self._renew_at = math.inf
        self._wake_at = math.inf
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        _instances.add(self)

    def schedule(self, values: Mapping[str, Any], delay: float) -> None:
        """Insert the marker row ``values`` in ``delay`` seconds unless :meth:`cancel` comes first."""
        with self._condition:
            self._start_thread()
            execution_id = str(values["id"])
            # A marker already in the log (a call that waited for its locks) changes at once.
            due = time.monotonic() + (0.0 if execution_id in self._written else delay)
            row = {name: values.get(name) for name in _COLUMNS}
            self._queued[execution_id] = (due, row)
            self._latest[execution_id] = row
            self._active.add(execution_id)
            if due < self._wake_at:
                self._condition.notify_all()

    def insert_now(self, values: Mapping[str, Any], *, replace: bool = False) -> None:
        """Insert the marker row ``values`` before returning, and renew it until :meth:`cancel`.

        With ``replace`` the row may exist already, as the marker :meth:`schedule`
        queued for the same call, and is updated. Raises the database's error when the
        row cannot be written.
        """
        execution_id = str(values["id"])
        latest = {name: values.get(name) for name in _COLUMNS}
        with self._condition:
            self._start_thread()
            self._active.add(execution_id)
            self._queued.pop(execution_id, None)
            self._latest[execution_id] = latest
        # A replaced row gets every column, so that what the older marker set is cleared.
        row = dict(latest) if replace else {name: value for name, value in values.items() if value is not None}
        row["lease_expires_at"] = datetime.now(timezone.utc) + timedelta(seconds=self.lease)
        with begin_unflushed(self.engine) as connection:
            if replace:
                # Guarded like the thread's writes: a row no longer running stays as it is.
                connection.execute(_INSERT_MARKER, row)
            elif not insert_record(connection, row, upsert=False):
                connection.execute(insert(executions), row)
        self._track([latest])

    def cancel(self, execution_id: str) -> None:
        """Forget the marker of an execution that ended: drop it if not written, stop renewing it."""
        with self._condition:
            self._queued.pop(execution_id, None)
            self._active.discard(execution_id)
            self._written.discard(execution_id)
            self._latest.pop(execution_id, None)

    def write_now(self, execution_id: str | None = None) -> None:
        """Insert the queued marker of ``execution_id`` (of every execution with ``None``) at once."""
        with self._condition:
            if execution_id is None:
                rows = [row for _, row in self._queued.values()]
                self._queued.clear()
            else:
                entry = self._queued.pop(execution_id, None)
                rows = [] if entry is None else [entry[1]]
        self._insert(rows)

    def close(self) -> None:
        """Stop the thread; markers still queued are dropped, their calls being over or abandoned."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
            thread = self._thread if self._thread_pid == os.getpid() else None
        if thread is not None:
            thread.join(5.0)
        with self._condition:
            self._thread = None
            self._stopping = False

    def _start_thread(self) -> None:
        """Start the writer thread if this process has none; called holding the condition."""
        if self._thread is None or self._thread_pid != os.getpid():
            self._thread = threading.Thread(target=self._run, name="opsgen-marker-writer", daemon=True)
            self._thread_pid = os.getpid()
            self._thread.start()

    def _reset_after_fork(self) -> None:
        """Start over in a forked child: the parent's markers and thread are not the child's."""
        self._condition = threading.Condition()
        self._queued = {}
        self._active = set()
        self._written = set()
        self._latest = {}
        self._renew_at = math.inf
        self._wake_at = math.inf
        self._stopping = False
        self._thread = None

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopping:
                    now = time.monotonic()
                    wake_at = min((due for due, _ in self._queued.values()), default=math.inf)
                    if self._written:
                        wake_at = min(wake_at, self._renew_at)
                    if wake_at <= now:
                        break
                    self._wake_at = wake_at
                    self._condition.wait(None if wake_at == math.inf else wake_at - now)
                    self._wake_at = 0.0
                if self._stopping:
                    return
                now = time.monotonic()
                due = [key for key, (at, _) in self._queued.items() if at <= now]
                rows = [self._queued.pop(key)[1] for key in due]
                renew = sorted(self._written) if self._written and self._renew_at <= now else []
                if renew:
                    self._renew_at = now + self.lease / 3
            try:
                self._insert(rows)
                self._renew(renew)
            except Exception:  # noqa: BLE001 - a marker is shown, never required; keep the thread alive
                logger.exception("writing or renewing running markers failed")

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        until = datetime.now(timezone.utc) + timedelta(seconds=self.lease)
        for row in rows:
            row["lease_expires_at"] = until
        # A lost marker costs nothing once the call has ended, so it need not wait for the disk.
        with begin_unflushed(self.engine) as connection:
            connection.execute(_INSERT_MARKER, rows)
        self._track(rows)

    def _track(self, rows: list[dict[str, Any]]) -> None:
        """Renew the leases of the markers just written whose calls still run.

        A marker that changed while it was being written is queued again, so that the
        log ends with its newest version.
        """
        now = time.monotonic()
        with self._condition:
            for row in rows:
                execution_id = str(row["id"])
                if execution_id not in self._active:
                    continue
                self._written.add(execution_id)
                latest = self._latest.get(execution_id)
                if latest is not None and latest is not row:
                    # Due at once, also when it was queued with the usual delay meanwhile.
                    self._queued[execution_id] = (now, latest)
                    self._condition.notify_all()
            if self._written and self._renew_at == math.inf:
                self._renew_at = time.monotonic() + self.lease / 3
                if self._renew_at < self._wake_at:
                    self._condition.notify_all()

    def _renew(self, ids: list[str]) -> None:
        if not ids:
            return
        with begin_unflushed(self.engine) as connection:
            connection.execute(_RENEW, {"ids": ids, "until": datetime.now(timezone.utc) + timedelta(seconds=self.lease)})


_instances: weakref.WeakSet[DelayedMarkers] = weakref.WeakSet()


def _reset_all_after_fork() -> None:
    # A lock held by another thread at the fork would stay locked forever in the child.
    for instance in list(_instances):
        instance._reset_after_fork()


os.register_at_fork(after_in_child=_reset_all_after_fork)
