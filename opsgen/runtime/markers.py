"""Delayed running markers for a PostgreSQL execution log.

A running marker is the record's row with status ``running``, inserted so that other
processes and hosts see the call while it runs. Inserting it before every call would
cost a commit of its own, so :class:`DelayedMarkers` inserts it from a background
thread once the call has run for a short delay, and a call that ends sooner never
writes one. The in-flight journal (:mod:`opsgen.runtime.journal`) is what keeps a
trace of a call killed in between.

The marker insert does nothing when the row exists: the final record, written with
an upsert by the call itself, always wins, whichever of the two commits first.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from opsgen.runtime.schema import executions

logger = logging.getLogger(__name__)

_COLUMNS = tuple(column.name for column in executions.columns)
_INSERT_MARKER = postgresql_insert(executions).on_conflict_do_nothing(index_elements=[executions.c.id])


class DelayedMarkers:
    """Running markers waiting for their delay, written by one background thread; thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._condition = threading.Condition()
        #: Marker rows not written yet, and the monotonic times they are due, by id.
        self._queued: dict[str, tuple[float, dict[str, Any]]] = {}
        self._wake_at = math.inf
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        _instances.add(self)

    def schedule(self, values: Mapping[str, Any], delay: float) -> None:
        """Insert the marker row ``values`` in ``delay`` seconds unless :meth:`cancel` comes first."""
        due = time.monotonic() + delay
        with self._condition:
            if self._thread is None or self._thread_pid != os.getpid():
                self._queued.clear()  # markers queued by a parent process are the parent's to write
                self._thread = threading.Thread(target=self._run, name="opsgen-marker-writer", daemon=True)
                self._thread_pid = os.getpid()
                self._thread.start()
            row = {name: values.get(name) for name in _COLUMNS}
            self._queued[str(values["id"])] = (due, row)
            if due < self._wake_at:
                self._condition.notify_all()

    def cancel(self, execution_id: str) -> None:
        """Drop the marker of an execution that finished before it was due."""
        with self._condition:
            self._queued.pop(execution_id, None)

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

    def _reset_after_fork(self) -> None:
        """Start over in a forked child: the parent's markers and thread are not the child's."""
        self._condition = threading.Condition()
        self._queued = {}
        self._wake_at = math.inf
        self._stopping = False
        self._thread = None

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopping:
                    now = time.monotonic()
                    due_at = min((due for due, _ in self._queued.values()), default=math.inf)
                    if due_at <= now:
                        break
                    self._wake_at = due_at
                    self._condition.wait(None if due_at == math.inf else due_at - now)
                    self._wake_at = 0.0
                if self._stopping:
                    return
                now = time.monotonic()
                due = [key for key, (at, _) in self._queued.items() if at <= now]
                rows = [self._queued.pop(key)[1] for key in due]
            try:
                self._insert(rows)
            except Exception:  # noqa: BLE001 - a marker is shown, never required; keep the thread alive
                logger.exception("writing %d running markers failed", len(rows))

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        with self.engine.begin() as connection:
            # A lost marker costs nothing once the call has ended, so it need not wait for the disk.
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            connection.execute(_INSERT_MARKER, rows)


_instances: weakref.WeakSet[DelayedMarkers] = weakref.WeakSet()


def _reset_all_after_fork() -> None:
    # A lock held by another thread at the fork would stay locked forever in the child.
    for instance in list(_instances):
        instance._reset_after_fork()


os.register_at_fork(after_in_child=_reset_all_after_fork)
